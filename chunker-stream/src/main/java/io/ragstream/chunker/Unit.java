package io.ragstream.chunker;

import java.util.List;

/**
 * A run of a section's content that belongs together: a paragraph, a list with its lead-in sentence, a table, a code
 * block. A unit up to {@code wholeLimit} tokens is never split; a larger one is split between its pieces, and every
 * continuation chunk starts with {@code context} (a table's header row, a list's lead-in) so it still says what it is.
 *
 * @param kind what the unit is, which decides its size limits
 * @param pieces the unit's parts in order, each small enough for a chunk with the context before it
 * @param separator what joins two pieces of this unit inside one chunk
 * @param context repeated at the start of each continuation chunk, or null
 */
record Unit(Kind kind, List<Piece> pieces, int tokens, int wholeLimit, String separator, Piece context) {

  enum Kind {
    TEXT, LIST, TABLE, CODE;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  String text() {
    StringBuilder joined = new StringBuilder();
    for (Piece piece : pieces) {
      if (!joined.isEmpty()) {
        joined.append(separator);
      }
      joined.append(piece.text());
    }
    return joined.toString();
  }
}
