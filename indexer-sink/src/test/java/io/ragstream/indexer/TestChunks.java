package io.ragstream.indexer;

import io.ragstream.indexer.store.StoredChunk;
import java.util.List;
import java.util.Map;

/** Chunks for store tests: a deterministic unit vector per seed, so nearest neighbours are predictable. */
public final class TestChunks {
  private TestChunks() {}

  public static StoredChunk chunk(String chunkId, String docId, String tenant, String text, int seed, int dim) {
    return new StoredChunk(chunkId, docId, tenant, 1L, seed, "Title " + docId, List.of("Intro", "Part " + seed),
        text, docId + ".md", Map.of("lang", "en", "team", seed % 2 == 0 ? "even" : "odd"), "test-model",
        vector(seed, dim), 1_700_000_000_000L);
  }

  public static float[] vector(int seed, int dim) {
    float[] v = new float[dim];
    v[seed % dim] = 1f;
    v[(seed + 1) % dim] = 0.1f;
    return v;
  }
}
