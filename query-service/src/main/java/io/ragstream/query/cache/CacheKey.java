package io.ragstream.query.cache;

import io.ragstream.query.SearchRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.TreeMap;

/**
 * What identifies a cached answer: the tenant, the normalised query and every parameter that changes the answer
 * (mode, k, filter, rerank and its model, the service's fusion settings, the embedding model), plus the index
 * generation, so that swapping in a rebuilt index makes every older entry unreachable at once. The caller's
 * principals are part of it: two keys of one tenant with different principals see different documents, so they never
 * share an entry.
 *
 * @param tenant kept apart because invalidation is per tenant and document
 * @param digest SHA-256 of all the parts, hex: bounded length for Redis keys, no separator ambiguity
 */
public record CacheKey(String tenant, String digest) {

  /**
   * Builds the key.
   *
   * @param settings the service's answer-changing settings ({@code SearchConfig.fingerprint()} and model ids)
   * @param generation the index generation being served
   */
  public static CacheKey of(SearchRequest request, String settings, String generation) {
    StringBuilder parts = new StringBuilder()
        .append("v1\n").append(generation).append('\n')
        .append(request.tenant()).append('\n')
        .append(request.mode().wireName()).append('\n')
        .append(request.k()).append('\n')
        .append(request.rerank()).append('\n')
        .append(settings).append('\n');
    if (request.expand()) {
      // only when on, so keys of searches without expansion stay what they were
      parts.append("expand\n");
    }
    new TreeMap<>(request.filter()).forEach((k, v) -> parts.append(k.length()).append(':').append(k)
        .append('=').append(v.length()).append(':').append(v).append('\n'));
    if (request.principals() != null) {
      // only when restricted, so unrestricted keys stay what they were; sorted by SearchRequest, length-prefixed
      parts.append("principals ").append(request.principals().size()).append('\n');
      request.principals().forEach(p -> parts.append(p.length()).append(':').append(p).append('\n'));
    }
    parts.append(normalise(request.query(), request.rerank()));
    return new CacheKey(request.tenant(), sha256(parts.toString()));
  }

  /**
   * Trims and collapses whitespace, which no retriever sees, and lower-cases: BM25 here lower-cases in its analyzer
   * and the shipped embedding models are uncased. A reranker may be cased, so with rerank the case is kept.
   */
  static String normalise(String query, boolean keepCase) {
    String collapsed = query.strip().replaceAll("\\s+", " ");
    return keepCase ? collapsed : collapsed.toLowerCase(Locale.ROOT);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
