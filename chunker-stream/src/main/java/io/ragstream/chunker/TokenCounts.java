package io.ragstream.chunker;

import io.ragstream.embedding.ModelTokenizer;
import io.ragstream.schemas.avro.Block;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts each block's tokens once per document: merging sections and packing units both need the sizes, and the
 * tokenizer is the chunker's main cost. One instance per document; not thread-safe.
 */
final class TokenCounts {
  private final ModelTokenizer tokenizer;
  private final Map<Block, Integer> counts = new IdentityHashMap<>();

  TokenCounts(ModelTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  int of(Block block) {
    return counts.computeIfAbsent(block, b -> tokenizer.countTokens(b.getText()));
  }

  int of(String text) {
    return tokenizer.countTokens(text);
  }

  int sum(List<Block> blocks) {
    int total = 0;
    for (Block block : blocks) {
      total += of(block);
    }
    return total;
  }
}
