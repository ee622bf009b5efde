package io.ragstream.chunker;

import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Merges tiny adjacent sections (a slide with only a title, a heading over one short line), which alone would make
 * chunks too small to mean anything. The merged chunk keeps the headings both share; each section's own heading
 * stays in the text as a line of its own. Only neighbours (siblings, or a parent and its first child) merge, and only
 * while the result stays under the target, so a tiny section never swallows a chapter.
 */
final class SectionMerger {
  private final int minTokens;
  private final int targetTokens;
  private final TokenCounts counts;

  SectionMerger(int minTokens, int targetTokens, TokenCounts counts) {
    this.minTokens = minTokens;
    this.targetTokens = targetTokens;
    this.counts = counts;
  }

  List<Section> merge(List<Section> sections) {
    List<Section> out = new ArrayList<>();
    Section acc = null;
    for (Section next : sections) {
      if (acc != null && mergeable(acc, next)) {
        acc = combine(acc, next);
      } else {
        if (acc != null) {
          out.add(acc);
        }
        acc = next;
      }
    }
    if (acc != null) {
      out.add(acc);
    }
    return out;
  }

  private boolean mergeable(Section a, Section b) {
    boolean tiny = a.tokens() < minTokens || b.tokens() < minTokens;
    int common = commonPrefix(a.headings(), b.headings());
    boolean neighbours = common >= Math.min(a.headings().size(), b.headings().size()) - 1;
    return tiny && neighbours && a.tokens() + b.tokens() + headingCost(a, b, common) <= targetTokens;
  }

  private int headingCost(Section a, Section b, int common) {
    return counts.of(String.join(" ", a.headings().subList(common, a.headings().size())) + " "
        + String.join(" ", b.headings().subList(common, b.headings().size())));
  }

  private Section combine(Section a, Section b) {
    int common = commonPrefix(a.headings(), b.headings());
    List<String> shared = a.headings().subList(0, common);
    List<Block> blocks = new ArrayList<>();
    int tokens = addWithOwnHeadings(a, common, blocks) + addWithOwnHeadings(b, common, blocks);
    return new Section(List.copyOf(shared), blocks, tokens);
  }

  private int addWithOwnHeadings(Section s, int common, List<Block> into) {
    int tokens = s.tokens();
    for (String heading : s.headings().subList(common, s.headings().size())) {
      Block line = Block.newBuilder().setKind(BlockKind.PARAGRAPH).setText(heading).build();
      into.add(line);
      tokens += counts.of(line);
    }
    into.addAll(s.blocks());
    return tokens;
  }

  private static int commonPrefix(List<String> a, List<String> b) {
    int n = 0;
    while (n < a.size() && n < b.size() && a.get(n).equals(b.get(n))) {
      n++;
    }
    return n;
  }
}
