package io.ragstream.indexer.qdrant;

import io.qdrant.client.PointIdFactory;
import io.qdrant.client.grpc.Common.PointId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Deterministic Qdrant point ids. Qdrant accepts only unsigned integers and UUIDs as ids, and chunk ids are
 * content hashes of another shape, so each chunk id maps to a name-based UUID (RFC 4122 version 3) of itself: the
 * same chunk is always the same point, every write is an idempotent upsert, and a delete needs nothing but the
 * chunk id. The chunk id itself travels in the payload for the way back.
 */
public final class PointIds {
  private static final String NAMESPACE = "ragstream/chunk/";

  private PointIds() {}

  /** The UUID of a chunk id. */
  public static UUID uuid(String chunkId) {
    Objects.requireNonNull(chunkId, "chunkId");
    return UUID.nameUUIDFromBytes((NAMESPACE + chunkId).getBytes(StandardCharsets.UTF_8));
  }

  /** The point id of a chunk id. */
  public static PointId of(String chunkId) {
    return PointIdFactory.id(uuid(chunkId));
  }

  /** The point ids of chunk ids, in order. */
  public static List<PointId> of(List<String> chunkIds) {
    return chunkIds.stream().map(PointIds::of).toList();
  }
}
