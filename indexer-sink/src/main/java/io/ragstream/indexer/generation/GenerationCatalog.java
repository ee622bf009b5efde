package io.ragstream.indexer.generation;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The generations one store holds and which of them is served. Every store implements the same swap: Lucene with a
 * pointer file replaced atomically, Qdrant with a collection alias, Elasticsearch with an index alias, each changed
 * in one atomic operation so that a reader sees either the old generation or the new one, never neither.
 */
public interface GenerationCatalog {

  /** Store name for messages, e.g. {@code lucene}. */
  String store();

  /** Every generation present, served or not, sorted by name. */
  List<String> list() throws IOException;

  /** The generation the alias points at; empty before the first swap. */
  Optional<String> current() throws IOException;

  /** The served generation, or {@code fallback} (the configured one) before the first swap. */
  default String currentOr(String fallback) throws IOException {
    return current().orElse(fallback);
  }

  /**
   * What a generation holds, read without opening it for writing (a live indexer may hold it); a generation that
   * does not exist holds nothing.
   */
  GenerationCounts counts(String generation) throws IOException;

  /**
   * Points the alias at {@code generation} in one atomic step.
   *
   * @throws IllegalArgumentException if the generation does not exist
   */
  void swap(String generation) throws IOException;

  /**
   * Deletes a generation that is not served.
   *
   * @throws IllegalStateException if it is the current generation
   */
  void drop(String generation) throws IOException;
}
