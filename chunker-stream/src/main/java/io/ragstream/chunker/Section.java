package io.ragstream.chunker;

import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The body of one heading: the blocks between it and the next heading, with the path of headings above it.
 *
 * @param headings the heading path, outermost first
 * @param blocks the body, never a heading
 * @param tokens the body's size, counted once per block
 */
record Section(List<String> headings, List<Block> blocks, int tokens) {

  /**
   * Cuts a document's blocks into sections. A heading with a body of its own is a section; one directly followed by
   * a sub-heading only names its sub-sections; one followed by nothing below it keeps its text as a one-line body
   * (usually merged into a neighbour as tiny), so no text is lost.
   */
  static List<Section> of(List<Block> blocks, TokenCounts counts) {
    List<Raw> raw = new ArrayList<>();
    Deque<Block> path = new ArrayDeque<>();
    Raw current = new Raw(List.of(), null);
    for (Block block : blocks) {
      if (block.getKind() == BlockKind.HEADING) {
        raw.add(current);
        while (!path.isEmpty() && path.peekLast().getLevel() >= block.getLevel()) {
          path.removeLast();
        }
        path.addLast(block);
        current = new Raw(path.stream().map(b -> b.getText().strip()).toList(), block);
      } else if (!block.getText().isBlank()) {
        current.body.add(block);
      }
    }
    raw.add(current);

    List<Section> sections = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      Raw r = raw.get(i);
      if (!r.body.isEmpty()) {
        sections.add(new Section(r.headings, r.body, counts.sum(r.body)));
      } else if (r.heading != null && !r.heading.getText().isBlank()
          && (i + 1 == raw.size() || !isBelow(raw.get(i + 1).headings, r.headings))) {
        Block alone = Block.newBuilder().setKind(BlockKind.PARAGRAPH).setText(r.heading.getText().strip()).build();
        List<String> parent = r.headings.subList(0, r.headings.size() - 1);
        sections.add(new Section(parent, List.of(alone), counts.of(alone)));
      }
    }
    return sections;
  }

  private static boolean isBelow(List<String> candidate, List<String> parent) {
    return candidate.size() > parent.size() && candidate.subList(0, parent.size()).equals(parent);
  }

  private static final class Raw {
    final List<String> headings;
    final Block heading;
    final List<Block> body = new ArrayList<>();

    Raw(List<String> headings, Block heading) {
      this.headings = headings;
      this.heading = heading;
    }
  }
}
