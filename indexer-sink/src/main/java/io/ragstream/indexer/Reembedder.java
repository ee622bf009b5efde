package io.ragstream.indexer;

import java.util.List;

/**
 * Embeds chunk texts with a named model. An index generation holds vectors of one model only, and a replay may build
 * one with another model than the embedder stage runs; an indexer writing such a generation re-embeds the chunk
 * text (the text the embedder stage embeds) with the generation's model rather than mixing two models' vectors.
 */
@FunctionalInterface
public interface Reembedder {

  /** One vector per text, in order, from {@code modelId}. */
  float[][] embed(String modelId, List<String> texts);
}
