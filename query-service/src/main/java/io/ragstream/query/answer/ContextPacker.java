package io.ragstream.query.answer;

import io.ragstream.query.SearchResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Packs retrieved chunks, best first, into an LLM prompt's context within a token budget. Tokens are estimated as
 * one per four characters (rounded up), the usual rule of thumb for English with BPE tokenizers such as OpenAI's and
 * Llama's: the configured chat model's own tokenizer is unknown to this service, so the budget should leave headroom
 * (the default uses half of a small model's window). A chunk that does not fit ends the packing, so the context is a
 * prefix of the ranking and never skips a better chunk for a worse one.
 */
public final class ContextPacker {
  private final int budgetTokens;

  public ContextPacker(int budgetTokens) {
    if (budgetTokens < 1) {
      throw new IllegalArgumentException("token budget must be at least 1, got " + budgetTokens);
    }
    this.budgetTokens = budgetTokens;
  }

  /** Estimated tokens of a text. */
  public static int estimateTokens(String text) {
    return (text.length() + 3) / 4;
  }

  /** The chunks that fit, best first. */
  public List<SearchResult> pack(List<SearchResult> ranked) {
    List<SearchResult> packed = new ArrayList<>();
    int used = 0;
    for (SearchResult result : ranked) {
      int cost = estimateTokens(block(result));
      if (used + cost > budgetTokens) {
        break;
      }
      packed.add(result);
      used += cost;
    }
    return packed;
  }

  /** A chunk as the model sees it: its id in brackets, for citing, then its text. */
  public static String block(SearchResult result) {
    return "[" + result.chunkId() + "] " + result.text() + "\n\n";
  }
}
