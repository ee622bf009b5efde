package io.ragstream.query;

import java.util.List;
import java.util.Map;

/**
 * One ranked chunk.
 *
 * @param score the fused score in hybrid mode ({@link Fusion}), the cross-encoder's after a rerank, otherwise the
 *     single retriever's own score
 * @param headings the heading path of the chunk, outermost first
 * @param ranks 1-based rank per retriever ({@code keyword}, {@code vector}) that returned the chunk; a retriever that
 *     did not return it is absent
 * @param scores the retrievers' own scores (BM25, vector similarity), keyed like {@code ranks}
 */
public record SearchResult(
    String chunkId,
    String docId,
    double score,
    String text,
    List<String> headings,
    Map<String, String> metadata,
    String title,
    Map<String, Integer> ranks,
    Map<String, Double> scores) {}
