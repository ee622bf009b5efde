package io.ragstream.chunker;

import io.ragstream.chunker.Unit.Kind;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a section's blocks into {@link Unit}s: paragraphs (split into sentences), lists together with the sentence
 * that leads into them, tables (split into rows, header first) and code blocks (split at blank lines, then lines).
 */
final class UnitBuilder {
  private final ChunkerConfig config;
  private final SentenceSplitter splitter;
  private final TokenCounts counts;
  private final int budget;

  /**
   * @param budget tokens a chunk of this section may hold after its heading prefix
   */
  UnitBuilder(ChunkerConfig config, SentenceSplitter splitter, TokenCounts counts, int budget) {
    this.config = config;
    this.splitter = splitter;
    this.counts = counts;
    this.budget = budget;
  }

  List<Unit> units(List<Block> blocks) {
    List<Unit> units = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i++) {
      Block block = blocks.get(i);
      switch (block.getKind()) {
        case LIST_ITEM -> {
          int end = i;
          while (end < blocks.size() && blocks.get(end).getKind() == BlockKind.LIST_ITEM) {
            end++;
          }
          boolean ledIn = i > 0 && blocks.get(i - 1).getKind() == BlockKind.PARAGRAPH && !units.isEmpty()
              && units.getLast().kind() == Kind.TEXT;
          units.add(list(blocks.subList(i, end), ledIn ? takeLeadIn(units) : null));
          i = end - 1;
        }
        case TABLE -> units.add(table(block));
        case CODE -> units.add(code(block.getText()));
        default -> units.add(paragraph(block));
      }
    }
    return units;
  }

  private Unit paragraph(Block block) {
    String text = block.getText().strip();
    int tokens = counts.of(block);
    int whole = Math.min(config.text().targetTokens(), budget);
    List<Piece> pieces = tokens <= whole ? List.of(new Piece(text, tokens)) : splitter.sentences(text, whole);
    return new Unit(Kind.TEXT, pieces, tokens, whole, " ", null);
  }

  /**
   * Removes the last sentence of the paragraph just before a list and returns it: "Install it with:" belongs to the
   * list it introduces, and a list without its lead-in often does not say what it lists.
   */
  private Piece takeLeadIn(List<Unit> units) {
    Unit before = units.removeLast();
    List<Piece> sentences = before.pieces().size() > 1 ? before.pieces()
        : splitter.sentences(before.text(), Math.min(config.text().targetTokens(), budget));
    Piece leadIn = sentences.getLast();
    if (sentences.size() > 1) {
      List<Piece> rest = sentences.subList(0, sentences.size() - 1);
      int tokens = rest.stream().mapToInt(Piece::tokens).sum();
      units.add(new Unit(Kind.TEXT, List.copyOf(rest), tokens, before.wholeLimit(), " ", null));
    }
    return leadIn;
  }

  private Unit list(List<Block> items, Piece leadIn) {
    List<Piece> pieces = new ArrayList<>();
    if (leadIn != null) {
      pieces.add(leadIn);
    }
    Piece context = leadIn != null && leadIn.tokens() <= budget / 4 ? leadIn : null;
    int room = budget - (context == null ? 0 : context.tokens());
    for (Block item : items) {
      String line = "  ".repeat(Math.max(0, item.getLevel() - 1)) + "- " + item.getText().strip();
      pieces.addAll(splitter.fit(line, counts.of(line), Math.min(room, config.text().targetTokens())));
    }
    return new Unit(Kind.LIST, pieces, sum(pieces), Math.min(config.text().maxTokens(), budget), "\n", context);
  }

  private Unit table(Block block) {
    List<String> lines = new ArrayList<>();
    if (block.getRows().isEmpty()) {
      block.getText().lines().filter(l -> !l.isBlank()).forEach(l -> lines.add(l.replace('\t', '|').strip()));
    } else {
      for (List<String> row : block.getRows()) {
        lines.add("| " + String.join(" | ", row) + " |");
      }
    }
    Piece header = new Piece(lines.getFirst(), counts.of(lines.getFirst()));
    Piece context = header.tokens() <= budget / 4 ? header : null;
    int room = Math.min(config.table().targetTokens(), budget - (context == null ? 0 : context.tokens()));
    List<Piece> pieces = new ArrayList<>(splitter.fit(header.text(), header.tokens(), budget));
    for (String line : lines.subList(1, lines.size())) {
      pieces.addAll(splitter.fit(line, counts.of(line), room));
    }
    return new Unit(Kind.TABLE, pieces, sum(pieces), Math.min(config.table().maxTokens(), budget), "\n", context);
  }

  /**
   * A code block inside a document (a Markdown fence) without a language the code splitter parses (those are chunked
   * by {@link CodeChunker}): it splits at blank lines, then lines.
   */
  private Unit code(String text) {
    List<Piece> pieces = new ArrayList<>();
    int room = Math.min(config.code().targetTokens(), budget);
    for (String paragraph : text.strip().split("\\n\\s*\\n")) {
      int tokens = counts.of(paragraph);
      if (tokens <= room) {
        pieces.add(new Piece(paragraph, tokens));
      } else {
        for (String line : paragraph.split("\\n")) {
          if (!line.isBlank()) {
            pieces.addAll(splitter.fit(line, counts.of(line), room));
          }
        }
      }
    }
    return new Unit(Kind.CODE, pieces, sum(pieces), Math.min(config.code().maxTokens(), budget), "\n", null);
  }

  private static int sum(List<Piece> pieces) {
    return pieces.stream().mapToInt(Piece::tokens).sum();
  }
}
