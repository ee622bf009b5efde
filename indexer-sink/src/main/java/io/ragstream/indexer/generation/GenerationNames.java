package io.ragstream.indexer.generation;

import java.util.regex.Pattern;

/**
 * The one rule for generation names, shared by every store: lower-case letters, digits, '-' and '_', starting with
 * a letter or digit. Lower case because Elasticsearch index names must be; the same name then works for a Lucene
 * directory, a Qdrant collection and an Elasticsearch index alike.
 */
public final class GenerationNames {
  private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

  private GenerationNames() {}

  /** Returns the name, or throws naming the rule. */
  public static String requireValid(String generation) {
    if (generation == null || !VALID.matcher(generation).matches()) {
      throw new IllegalArgumentException("generation must be 1-63 of a-z, 0-9, '-' or '_' (starting with a letter"
          + " or digit), got '" + io.ragstream.runtime.http.InputLimits.printable(generation) + "'");
    }
    return generation;
  }
}
