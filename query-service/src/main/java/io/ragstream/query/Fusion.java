package io.ragstream.query;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How hybrid search combines the keyword and the vector ranking.
 *
 * <ul>
 *   <li>{@link #RRF}: Reciprocal Rank Fusion, {@code sum over retrievers of 1 / (rrfK + rank)}. Uses ranks only, so
 *       BM25 scores and cosine similarities, which live on unrelated scales, need no calibration;
 *   <li>{@link #WEIGHTED}: each retriever's scores min-max normalised over its own candidate list to [0, 1], then
 *       {@code vectorWeight * vector + (1 - vectorWeight) * keyword}, a chunk missing from one list scoring 0 there.
 *       Keeps the score gaps RRF throws away, at the price of a weight to tune per corpus.
 * </ul>
 */
public enum Fusion {
  RRF,
  WEIGHTED;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Fusion parse(String value) {
    for (Fusion fusion : values()) {
      if (fusion.wireName().equalsIgnoreCase(value.strip())) {
        return fusion;
      }
    }
    throw new IllegalArgumentException("unknown fusion '" + value + "'; expected one of "
        + Arrays.stream(values()).map(Fusion::wireName).collect(Collectors.joining(", ")));
  }
}
