package io.ragstream.chunker;

import static io.ragstream.chunker.TopologyHarness.body;
import static io.ragstream.chunker.TopologyHarness.code;
import static io.ragstream.chunker.TopologyHarness.heading;
import static io.ragstream.chunker.TopologyHarness.para;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.chunker.code.CodeLanguage;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Code blocks in documents (Markdown fences) that declare a language: split by that language's parser, like source
 * files, under the section's heading path. The language arrives as the extractor writes it, in the block
 * ({@code Block.language}).
 */
class FencedCodeTopologyTest {
  private TopologyHarness harness;

  @AfterEach
  void close() {
    if (harness != null) {
      harness.close();
      harness = null;
    }
  }

  private static String javaMethod(String name) {
    StringBuilder m = new StringBuilder("  /** Computes the " + name + " of the inventory. */\n"
        + "  public int " + name + "(int base) {\n");
    for (int i = 0; i < 6; i++) {
      m.append("    base = base * ").append(i + 3).append(" + lookup(\"").append(name).append(i).append("\");\n");
    }
    return m.append("    return base;\n  }\n").toString();
  }

  private static final String JAVA = "public class Inventory {\n" + javaMethod("total") + "\n" + javaMethod("average")
      + "}";

  private static final String PYTHON = """
      class Store:
          def get(self, key):
              \"\"\"Returns the value stored under key, or the default from the environment.\"\"\"
              return self.data.get(key, os.environ.get(key, 'a missing default value'))

          def put(self, key, value):
              \"\"\"Stores value under key, replacing the old one and logging the change.\"\"\"
              self.data[key] = value
              self.log.append(('put', key, value))""";

  /** A Markdown guide as the extractor delivers it: the blocks, each fence with its info string by block index. */
  private List<Chunk> chunkGuide(Map<Integer, String> languages) {
    return chunkGuide(languages, Map.of());
  }

  private List<Chunk> chunkGuide(Map<Integer, String> languages, Map<String, String> extraMetadata) {
    List<Block> blocks = new ArrayList<>(List.of(
        heading(1, "Client guide"),
        heading(2, "Java"),
        para("The Java client keeps an inventory of everything the shop has in stock, counted per day."),
        code(JAVA),
        heading(2, "Python"),
        para("The Python client stores values by key and logs every change it makes to them."),
        code(PYTHON),
        para("Both clients retry failed calls three times before they report an error to the caller.")));
    languages.forEach((index, language) ->
        blocks.set(index, Block.newBuilder(blocks.get(index)).setLanguage(language).build()));
    Map<String, String> metadata = new HashMap<>(Map.of("author", "Ada"));
    metadata.putAll(extraMetadata);
    ExtractedDocument doc = ExtractedDocument.newBuilder().setDocId("guide").setTenant("default").setContentHash("h")
        .setTitle("Client guide").setSourceName("guide.md").setContentType("text/markdown").setVersion(1)
        .setIngestedAt(Instant.EPOCH).setMetadata(metadata).setBlocks(new ArrayList<>(blocks)).build();
    harness = new TopologyHarness(TopologyHarness.config(48, true));
    return harness.chunk(doc);
  }

  @Test
  void javaAndPythonFencesSplitAtFunctionsWithLanguageClassAndFunctionInMetadata() {
    List<Chunk> out = chunkGuide(Map.of(3, "java", 6, "py"));

    List<Chunk> code = out.stream().filter(c -> c.getMetadata().containsKey("code.language")).toList();
    assertThat(code).extracting(c -> c.getMetadata().get("code.language"), c -> c.getMetadata().get("code.class"),
        c -> c.getMetadata().get("code.function")).containsExactly(
            org.assertj.core.groups.Tuple.tuple("java", "Inventory", "total"),
            org.assertj.core.groups.Tuple.tuple("java", "Inventory", "average"),
            org.assertj.core.groups.Tuple.tuple("python", "Store", "get"),
            org.assertj.core.groups.Tuple.tuple("python", "Store", "put"));
    assertThat(code).allSatisfy(c -> {
      assertThat(c.getMetadata()).containsEntry("code.parser", "tree-sitter").containsEntry(DocumentChunker.KIND,
          "code");
      assertThat(c.getMetadata()).containsEntry("author", "Ada");
    });
    // each chunk is one whole function, doc comment included, under the section's heading path
    assertThat(code.get(1).getHeadings()).containsExactly("Client guide", "Java", "Inventory", "average");
    assertThat(code.get(1).getText()).startsWith("Client guide › Java › Inventory › average\n\n");
    // the class's closing brace travels with its last member, as in source files
    assertThat(body(code.get(1))).startsWith("  /** Computes the average").endsWith("return base;\n  }\n}");
    assertThat(body(code.get(0))).startsWith("public class Inventory {\n  /** Computes the total")
        .endsWith("return base;\n  }");
    assertThat(code.get(3).getHeadings()).containsExactly("Client guide", "Python", "Store", "put");
    assertThat(body(code.get(3))).startsWith("    def put(self, key, value):")
        .endsWith("self.log.append(('put', key, value))");
    // prose never shares a chunk with a parsed fence; it keeps its section and no code metadata
    List<Chunk> prose = out.stream().filter(c -> !c.getMetadata().containsKey("code.language")).toList();
    assertThat(prose).extracting(TopologyHarness::body).containsExactly(
        "The Java client keeps an inventory of everything the shop has in stock, counted per day.",
        "The Python client stores values by key and logs every change it makes to them.",
        "Both clients retry failed calls three times before they report an error to the caller.");
    assertThat(prose).extracting(Chunk::getHeadings).containsExactly(List.of("Client guide", "Java"),
        List.of("Client guide", "Python"), List.of("Client guide", "Python"));
    assertThat(prose).allSatisfy(c -> assertThat(c.getMetadata()).containsEntry(DocumentChunker.KIND, "text")
        .containsEntry("author", "Ada"));
    // nothing is lost: the bodies give back every line of both sources
    String bodies = String.join("\n", out.stream().map(TopologyHarness::body).toList());
    assertThat(bodies.replaceAll("\\s", "")).contains(JAVA.replaceAll("\\s", ""), PYTHON.replaceAll("\\s", ""));
  }

  @Test
  void aFenceWithoutOrWithAnUnknownLanguageKeepsTheBlankLineHeuristic() {
    List<Chunk> none = chunkGuide(Map.of());
    close();
    List<Chunk> unknown = chunkGuide(Map.of(3, "kotlin", 6, "pycon"));

    for (List<Chunk> out : List.of(none, unknown)) {
      assertThat(out).noneSatisfy(c -> assertThat(c.getMetadata()).containsKey("code.language"));
      assertThat(out).noneSatisfy(c -> assertThat(c.getMetadata()).containsKey("code.function"));
      // the heuristic knows no classes: the class line stays with what follows it, and nothing is named
      assertThat(out).anySatisfy(c -> assertThat(body(c)).startsWith("public class Inventory {\n  /** Computes"));
    }
    assertThat(none).extracting(Chunk::getChunkId).containsExactlyElementsOf(
        unknown.stream().map(Chunk::getChunkId).toList());
  }

  @Test
  void aFenceLanguageChangesTheChunksAndTheirIds() {
    List<Chunk> plain = chunkGuide(Map.of());
    close();
    List<Chunk> parsed = chunkGuide(Map.of(3, "java", 6, "python"));

    assertThat(DocumentChunker.ids(parsed)).isNotEqualTo(DocumentChunker.ids(plain));
    // the prose of the Java section is untouched by how the fence after it is chunked
    assertThat(DocumentChunker.ids(parsed)).contains(plain.getFirst().getChunkId());
  }

  /**
   * Before {@code Block.language} existed the language travelled in the document's metadata under
   * {@code block.<index>.language}. No stage writes or reads those keys now: one in a document's metadata (a
   * publisher's own property) neither makes a fence parsed nor is dropped; it is copied into chunks like any other.
   */
  @Test
  void aLanguageKeyInTheDocumentsMetadataIsAnOrdinaryPropertyNotAFenceLanguage() {
    List<Chunk> plain = chunkGuide(Map.of());
    close();
    List<Chunk> keyed = chunkGuide(Map.of(), Map.of("block.3.language", "java", "block.6.language", "py"));

    assertThat(keyed).noneSatisfy(c -> assertThat(c.getMetadata()).containsKey("code.language"));
    assertThat(DocumentChunker.ids(keyed)).isEqualTo(DocumentChunker.ids(plain));
    assertThat(keyed).allSatisfy(c -> assertThat(c.getMetadata()).containsEntry("block.3.language", "java")
        .containsEntry("block.6.language", "py"));
  }

  @Test
  void fenceNamesAndTheirAliasesMapToParsedLanguages() {
    Map<String, CodeLanguage> expected = Map.ofEntries(
        Map.entry("java", CodeLanguage.JAVA), Map.entry("Python", CodeLanguage.PYTHON),
        Map.entry("py", CodeLanguage.PYTHON), Map.entry("python3", CodeLanguage.PYTHON),
        Map.entry("js", CodeLanguage.JAVASCRIPT), Map.entry("javascript", CodeLanguage.JAVASCRIPT),
        Map.entry("jsx", CodeLanguage.JAVASCRIPT), Map.entry("node", CodeLanguage.JAVASCRIPT),
        Map.entry("ts", CodeLanguage.TYPESCRIPT), Map.entry("typescript", CodeLanguage.TYPESCRIPT),
        Map.entry("go", CodeLanguage.GO), Map.entry("golang", CodeLanguage.GO), Map.entry("c", CodeLanguage.C),
        Map.entry("cpp", CodeLanguage.CPP), Map.entry("c++", CodeLanguage.CPP), Map.entry("cc", CodeLanguage.CPP),
        Map.entry("cxx", CodeLanguage.CPP), Map.entry("{.python}", CodeLanguage.PYTHON));
    expected.forEach((name, language) -> assertThat(CodeLanguage.forName(name)).as(name).contains(language));
    for (String notParsed : List.of("rust", "kotlin", "tsx", "pycon", "text", "", "sh")) {
      assertThat(CodeLanguage.forName(notParsed)).as(notParsed).isEmpty();
    }
    assertThat(CodeLanguage.forName(null)).isEmpty();
  }
}
