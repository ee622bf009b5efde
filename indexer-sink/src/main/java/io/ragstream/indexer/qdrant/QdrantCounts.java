package io.ragstream.indexer.qdrant;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScrollResponse;
import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Exact counts of one collection, shared by the store (a generation being built) and the catalog (the served one).
 *
 * <p>Chunks: Qdrant's count API with {@code exact=true}. Distinct documents: Qdrant has no distinct count; its facet
 * API (1.12+) counts points per value of the indexed {@code docId}, but returns all values in one response with no
 * paging, so a corpus of some 80k documents would outgrow gRPC's default 4 MiB message. A scroll that returns only
 * {@code docId} (no vector, no other payload), a thousand points a page, scales with the collection instead, at one
 * string per distinct document in memory. Neither is a snapshot: the counts are exact for a collection nobody writes
 * meanwhile (a replay's new generation before its hand-over), and approximate for a live one.
 */
final class QdrantCounts {
  static final int PAGE = 1000;

  private QdrantCounts() {}

  static long chunks(QdrantClient client, QdrantSettings settings, String collection) throws IOException {
    var timeout = settings.timeout();
    return QdrantCalls.await(client.countAsync(collection, null, true, timeout), timeout, "count " + collection);
  }

  static long documents(QdrantClient client, QdrantSettings settings, String collection) throws IOException {
    var timeout = settings.timeout();
    Set<String> docIds = new HashSet<>();
    PointId offset = null;
    do {
      ScrollResponse page = QdrantCalls.await(client.scrollAsync(
          QdrantRequests.scrollField(collection, QdrantRequests.DOC_ID, PAGE, offset), timeout), timeout,
          "scroll document ids of " + collection);
      for (RetrievedPoint point : page.getResultList()) {
        Value docId = point.getPayloadMap().get(QdrantRequests.DOC_ID);
        if (docId == null || !docId.hasStringValue()) {
          // every point ragstream writes has one; counting such a point as a document would hide it
          throw new IOException("point " + point.getId() + " of " + collection + " has no docId payload");
        }
        docIds.add(docId.getStringValue());
      }
      offset = page.hasNextPageOffset() ? page.getNextPageOffset() : null;
    } while (offset != null);
    return docIds.size();
  }

  /** The model of any point's vector: one generation holds vectors of one model. Empty for an empty collection. */
  static Optional<String> modelId(QdrantClient client, QdrantSettings settings, String collection)
      throws IOException {
    var timeout = settings.timeout();
    ScrollResponse page = QdrantCalls.await(client.scrollAsync(
        QdrantRequests.scrollField(collection, QdrantRequests.MODEL_ID, 1, null), timeout), timeout,
        "read the model of " + collection);
    return page.getResultList().stream().map(p -> p.getPayloadMap().get(QdrantRequests.MODEL_ID))
        .filter(v -> v != null && v.hasStringValue()).map(Value::getStringValue).findFirst();
  }
}
