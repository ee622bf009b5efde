package io.ragstream.chunker;

import static io.ragstream.chunker.TopologyHarness.TOKENIZER;
import static io.ragstream.chunker.TopologyHarness.body;
import static io.ragstream.chunker.TopologyHarness.code;
import static io.ragstream.chunker.TopologyHarness.doc;
import static io.ragstream.chunker.TopologyHarness.heading;
import static io.ragstream.chunker.TopologyHarness.item;
import static io.ragstream.chunker.TopologyHarness.para;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties over generated documents (fixed seeds, so a failure reproduces): no text lost, no chunk over the limit,
 * ids stable across runs, an edit inside one section changes only that section's chunk ids.
 */
class ChunkingPropertiesTest {
  private static final String[] WORDS = ("retrieval index vector kafka stream chunk token model embedding query "
      + "section table heading parser sentence overlap lucene broker partition offset replica schema").split(" ");

  static List<Long> seeds() {
    List<Long> seeds = new ArrayList<>();
    for (long s = 1; s <= 25; s++) {
      seeds.add(s);
    }
    return seeds;
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void noTextIsLostAndNoChunkIsOverTheLimit(long seed) {
    Random random = new Random(seed);
    ExtractedDocument doc = document(random, "doc-" + seed, sections(random, 1 + random.nextInt(6)));
    DocumentChunker chunker = new DocumentChunker(TOKENIZER, config(random));

    List<Chunk> chunks = chunker.chunk(doc);

    assertThat(chunks).allSatisfy(c -> {
      assertThat(c.getTokenCount()).isLessThanOrEqualTo(254).isEqualTo(TOKENIZER.countTokens(c.getText()));
    });
    String bodies = chunks.stream().map(TopologyHarness::body).collect(Collectors.joining(" "));
    assertThat(words(bodies)).isEqualTo(words(doc.getBlocks().stream()
        .filter(b -> b.getKind() != BlockKind.HEADING).map(Block::getText).collect(Collectors.joining(" "))));
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void sourceCodeIsCoveredExactlyAndNoChunkIsOverTheLimit(long seed) {
    Random random = new Random(seed);
    StringBuilder source = new StringBuilder("package gen;\n\nimport java.util.List;\n\n");
    for (int c = 0; c < 1 + random.nextInt(3); c++) {
      source.append("/** Class ").append(c).append(". */\npublic class C").append(c).append(" {\n");
      for (int m = 0; m < 1 + random.nextInt(6); m++) {
        source.append("  /** Method ").append(m).append(". */\n  int m").append(m).append("(int x) {\n");
        for (int s = 0; s < 1 + random.nextInt(random.nextInt(10) == 0 ? 200 : 12); s++) {
          source.append("    x = x * ").append(random.nextInt(100)).append(" + ").append(word(random)).append(";\n");
        }
        source.append("    return x;\n  }\n\n");
      }
      source.append("}\n\n");
    }
    ExtractedDocument doc = TopologyHarness.doc("code-" + seed, "h", "Gen.java", "Gen.java",
        List.of(code(source.toString())));

    List<Chunk> chunks = new DocumentChunker(TOKENIZER, config(random)).chunk(doc);

    assertThat(chunks).allSatisfy(c -> assertThat(c.getTokenCount()).isLessThanOrEqualTo(254));
    assertThat(chunks.stream().map(TopologyHarness::body).collect(Collectors.joining()).replaceAll("\\s", ""))
        .isEqualTo(source.toString().replaceAll("\\s", ""));
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void fencedCodeInADocumentIsCoveredInOrderAndNoChunkIsOverTheLimit(long seed) {
    Random random = new Random(seed);
    List<Block> blocks = new ArrayList<>();
    for (int s = 0; s < 1 + random.nextInt(4); s++) {
      blocks.add(heading(1 + random.nextInt(2), "Heading " + s));
      for (int b = 0; b < 1 + random.nextInt(4); b++) {
        if (random.nextBoolean()) {
          blocks.add(para(sentences(random, 1 + random.nextInt(4))));
          continue;
        }
        boolean python = random.nextBoolean();
        StringBuilder source = new StringBuilder(python ? "class C" + b + ":\n" : "class C" + b + " {\n");
        for (int m = 0; m < 1 + random.nextInt(5); m++) {
          source.append(python ? "    def m" + m + "(self, x):\n" : "  int m" + m + "(int x) {\n");
          for (int st = 0; st < 1 + random.nextInt(random.nextInt(8) == 0 ? 150 : 10); st++) {
            source.append(python ? "        x = x * " : "    x = x * ").append(random.nextInt(100)).append(" + ")
                .append(word(random)).append(python ? "\n" : ";\n");
          }
          source.append(python ? "        return x\n\n" : "    return x;\n  }\n\n");
        }
        source.append(python ? "" : "}\n");
        blocks.add(Block.newBuilder(code(source.toString())).setLanguage(python ? "py" : "java").build());
      }
    }
    ExtractedDocument doc = doc("fenced-" + seed, "h", "Generated", "gen.md", blocks);

    List<Chunk> chunks = new DocumentChunker(TOKENIZER, config(random)).chunk(doc);

    assertThat(chunks).allSatisfy(c ->
        assertThat(c.getTokenCount()).isLessThanOrEqualTo(254).isEqualTo(TOKENIZER.countTokens(c.getText())));
    String bodies = chunks.stream().map(TopologyHarness::body).collect(Collectors.joining(" "));
    assertThat(words(bodies)).isEqualTo(words(blocks.stream().filter(b -> b.getKind() != BlockKind.HEADING)
        .map(Block::getText).collect(Collectors.joining(" "))));
    assertThat(chunks).filteredOn(c -> "code".equals(c.getMetadata().get(DocumentChunker.KIND)))
        .allSatisfy(c -> assertThat(c.getMetadata().get("code.language")).isIn("python", "java"));
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void idsAreStableAcrossRunsAndAnEditChangesOnlyItsSection(long seed) {
    Random random = new Random(seed);
    List<List<Block>> sections = sections(random, 2 + random.nextInt(5));
    ChunkerConfig config = config(random);
    ExtractedDocument doc = document(random, "doc-" + seed, sections);
    List<Chunk> first = new DocumentChunker(TOKENIZER, config).chunk(doc);
    List<Chunk> again = new DocumentChunker(TOKENIZER, config).chunk(doc);
    assertThat(DocumentChunker.ids(again)).containsExactlyElementsOf(DocumentChunker.ids(first));

    int edited = random.nextInt(sections.size());
    List<Block> section = new ArrayList<>(sections.get(edited));
    section.add(para("An edited sentence about " + word(random) + " and " + word(random) + " appears here."));
    sections.set(edited, section);
    String editedHeading = section.getFirst().getText();
    List<Chunk> after = new DocumentChunker(TOKENIZER, config).chunk(document(random, "doc-" + seed, sections));

    Set<String> before = DocumentChunker.ids(first);
    assertThat(after).filteredOn(c -> !c.getHeadings().contains(editedHeading))
        .allSatisfy(c -> assertThat(before).contains(c.getChunkId()));
    assertThat(first).filteredOn(c -> !c.getHeadings().contains(editedHeading))
        .allSatisfy(c -> assertThat(DocumentChunker.ids(after)).contains(c.getChunkId()));
  }

  private static ChunkerConfig config(Random random) {
    return TopologyHarness.config(32 + random.nextInt(160), random.nextBoolean());
  }

  /** Sections, each a unique heading then at least one sentence of prose (so none is tiny enough to merge). */
  private static List<List<Block>> sections(Random random, int count) {
    List<List<Block>> sections = new ArrayList<>();
    for (int s = 0; s < count; s++) {
      List<Block> section = new ArrayList<>(List.of(heading(1 + random.nextInt(2), "Heading " + s)));
      for (int b = 0; b < 1 + random.nextInt(5); b++) {
        switch (random.nextInt(4)) {
          case 0 -> {
            section.add(para(sentences(random, 1 + random.nextInt(2)) + " Consider these:"));
            for (int i = 0; i < 1 + random.nextInt(12); i++) {
              section.add(item(sentences(random, 1)));
            }
          }
          default -> section.add(para(sentences(random, 1 + random.nextInt(random.nextInt(8) == 0 ? 60 : 8))));
        }
      }
      sections.add(section);
    }
    return sections;
  }

  private static ExtractedDocument document(Random random, String docId, List<List<Block>> sections) {
    List<Block> blocks = new ArrayList<>();
    sections.forEach(blocks::addAll);
    return doc(docId, "h" + blocks.hashCode(), "Generated", "gen.md", blocks);
  }

  private static String sentences(Random random, int n) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int length = 6 + random.nextInt(random.nextInt(20) == 0 ? 400 : 20);
      text.append(Character.toUpperCase(word(random).charAt(0))).append(word(random).substring(1));
      for (int w = 0; w < length; w++) {
        text.append(' ').append(word(random)).append(random.nextInt(1000));
      }
      text.append(". ");
    }
    return text.toString().strip();
  }

  private static String word(Random random) {
    return WORDS[random.nextInt(WORDS.length)];
  }

  /** The text's words without list markers and the whitespace between them. */
  private static List<String> words(String text) {
    return Arrays.stream(text.split("\\s+")).filter(w -> !w.isEmpty() && !w.equals("-")).toList();
  }
}
