package io.ragstream.chunker;

/** The smallest thing the chunker moves around: a sentence, a list item, a table row, a statement. */
record Piece(String text, int tokens) {}
