package io.ragstream.chunker;

import io.ragstream.chunker.Unit.Kind;
import io.ragstream.embedding.ModelTokenizer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Packs one section's units into chunks. A unit that fits in the current chunk's room to its target joins it; one
 * that does not starts a new chunk, and stays whole up to its own limit; a larger one is split between its pieces,
 * each continuation starting with the unit's context. Prose continuations start with the previous chunk's last
 * sentences (up to the overlap), so a thought cut by a boundary is still readable on both sides.
 */
final class Packer {
  private final ChunkerConfig config;
  private final ModelTokenizer tokenizer;
  private final int budget;
  private final List<String> headings;
  private final List<Draft> drafts = new ArrayList<>();

  private final StringBuilder body = new StringBuilder();
  private Piece context;
  private int tokens;
  private final Set<Kind> kinds = EnumSet.noneOf(Kind.class);
  /** The sentences at the end of the current chunk, the source of the next chunk's overlap. */
  private final List<Piece> tail = new ArrayList<>();

  Packer(ChunkerConfig config, ModelTokenizer tokenizer, int budget, List<String> headings) {
    this.config = config;
    this.tokenizer = tokenizer;
    this.budget = budget;
    this.headings = headings;
  }

  List<Draft> pack(List<Unit> units) {
    for (Unit unit : units) {
      int target = Math.min(budget, target(unit.kind()));
      if (unit.tokens() <= unit.wholeLimit()) {
        if (tokens > 0 && tokens + unit.tokens() > target) {
          close(unit.kind() == Kind.TEXT ? overlap() : null, unit.tokens());
        }
        append(unit.text(), unit.tokens(), unit, "\n\n");
        if (unit.kind() == Kind.TEXT) {
          tail.addAll(unit.pieces());
        }
        continue;
      }
      for (int i = 0; i < unit.pieces().size(); i++) {
        Piece piece = unit.pieces().get(i);
        if (tokens > 0 && tokens + piece.tokens() > target) {
          Piece carry = i > 0 && unit.context() != null ? unit.context()
              : unit.kind() == Kind.TEXT ? overlap() : null;
          close(carry, piece.tokens());
        }
        append(piece.text(), piece.tokens(), unit, i == 0 ? "\n\n" : unit.separator());
        if (unit.kind() == Kind.TEXT) {
          tail.add(piece);
        }
      }
    }
    close(null, 0);
    return drafts;
  }

  private int target(Kind kind) {
    return switch (kind) {
      case TEXT, LIST -> config.text().targetTokens();
      case TABLE -> config.table().targetTokens();
      case CODE -> config.code().targetTokens();
    };
  }

  private void append(String text, int pieceTokens, Unit unit, String separator) {
    if (!body.isEmpty()) {
      body.append(separator);
    }
    body.append(text);
    tokens += pieceTokens;
    kinds.add(unit.kind());
    if (unit.kind() != Kind.TEXT) {
      tail.clear();
    }
  }

  /** Closes the current chunk; the next starts with {@code carry} when it leaves room for what comes next. */
  private void close(Piece carry, int nextTokens) {
    if (!body.isEmpty()) {
      String kind = kinds.size() == 1 ? kinds.iterator().next().label() : "mixed";
      drafts.add(new Draft(headings, context == null ? "" : context.text(), body.toString(), kind, Map.of()));
    }
    body.setLength(0);
    kinds.clear();
    tail.clear();
    boolean fits = carry != null && carry.tokens() + nextTokens <= budget;
    context = fits ? carry : null;
    tokens = fits ? carry.tokens() : 0;
  }

  /** The last sentences of the current chunk, up to the overlap; the end of the last one if it alone is longer. */
  private Piece overlap() {
    int limit = config.text().overlapTokens();
    if (limit == 0 || tail.isEmpty()) {
      return null;
    }
    StringBuilder text = new StringBuilder();
    int total = 0;
    for (int i = tail.size() - 1; i >= 0; i--) {
      Piece sentence = tail.get(i);
      if (total + sentence.tokens() > limit) {
        if (total == 0) {
          return suffix(sentence, limit);
        }
        break;
      }
      text.insert(0, text.isEmpty() ? sentence.text() : sentence.text() + " ");
      total += sentence.tokens();
    }
    return new Piece(text.toString(), total);
  }

  /** The sentence's last words up to {@code limit} tokens, counted word by word (cheap with the word cache). */
  private Piece suffix(Piece sentence, int limit) {
    String text = sentence.text();
    int total = 0;
    int cut = text.length();
    int end = text.length();
    for (int i = text.length() - 1; i >= -1; i--) {
      if (i == -1 || Character.isWhitespace(text.charAt(i))) {
        if (i + 1 < end) {
          int word = tokenizer.countTokens(text.substring(i + 1, end));
          if (total + word > limit) {
            break;
          }
          total += word;
          cut = i + 1;
        }
        end = i;
      }
    }
    String rest = text.substring(cut).strip();
    return rest.isEmpty() ? null : new Piece(rest, total);
  }
}
