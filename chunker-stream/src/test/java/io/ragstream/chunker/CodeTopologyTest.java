package io.ragstream.chunker;

import static io.ragstream.chunker.TopologyHarness.body;
import static io.ragstream.chunker.TopologyHarness.code;
import static io.ragstream.chunker.TopologyHarness.doc;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.avro.Chunk;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Source files through the topology: split by the tree-sitter parse at classes, functions and statements. */
class CodeTopologyTest {
  private TopologyHarness harness;

  private List<Chunk> chunk(int target, String fileName, String source) {
    harness = new TopologyHarness(TopologyHarness.config(target, true));
    return harness.chunk(doc("doc-" + fileName, "h", fileName, fileName, List.of(code(source))));
  }

  @AfterEach
  void close() {
    harness.close();
  }

  private static String javaMethod(String name, int statements) {
    StringBuilder m = new StringBuilder("  /** Computes the " + name + " of the inventory for the report. */\n"
        + "  public int " + name + "(int base) {\n");
    for (int i = 0; i < statements; i++) {
      m.append("    base = base * ").append(i + 3).append(" + lookup(\"").append(name).append(i).append("\");\n");
    }
    return m.append("    return base;\n  }\n").toString();
  }

  @Test
  void javaSplitsAtMethodsKeepingEachDocCommentWithItsMethod() {
    String source = "package shop;\n\nimport java.util.Map;\n\npublic class Inventory {\n"
        + javaMethod("total", 8) + "\n" + javaMethod("average", 8) + "\n" + javaMethod("median", 8) + "}\n";
    List<Chunk> out = chunk(64, "Inventory.java", source);

    assertThat(out).hasSize(3);
    assertThat(out).extracting(c -> c.getMetadata().get("code.function")).containsExactly("total", "average", "median");
    assertThat(out).allSatisfy(c -> {
      assertThat(c.getMetadata()).containsEntry("code.class", "Inventory").containsEntry("code.language", "java")
          .containsEntry("code.parser", "tree-sitter");
      assertThat(body(c)).contains("/** Computes the " + c.getMetadata().get("code.function"));
    });
    assertThat(out.get(1).getText()).startsWith("Inventory.java › Inventory › average\n\n  /** Computes the average");
    assertThat(body(out.get(1))).endsWith("return base;\n  }");
    assertThat(body(out.get(0))).startsWith("package shop;");
    assertThat(body(out.get(2))).endsWith("}\n}");
  }

  @Test
  void anOversizedFunctionSplitsAtStatementBoundaries() {
    String source = "class Big {\n" + javaMethod("huge", 60) + "}\n";
    List<Chunk> out = chunk(128, "Big.java", source);

    assertThat(out.size()).isGreaterThan(2);
    assertThat(out).allSatisfy(c -> {
      assertThat(c.getTokenCount()).isLessThanOrEqualTo(254);
      assertThat(c.getMetadata()).containsEntry("code.function", "huge").containsEntry("code.class", "Big");
      // every part ends at the end of a statement (or of the method / class)
      assertThat(body(c).strip()).matches("(?s).*(;|})$");
    });
    assertThat(String.join("\n", out.stream().map(TopologyHarness::body).toList()).replaceAll("\\s", ""))
        .isEqualTo(source.replaceAll("\\s", ""));
  }

  @Test
  void pythonKeepsDocstringsInsideAndNamesTheClass() {
    String source = "import os\n\n\nclass Store:\n    \"\"\"A key-value store.\"\"\"\n\n"
        + "    def get(self, key):\n        \"\"\"Returns the value of key.\"\"\"\n"
        + "        return self.data.get(key, os.environ.get(key, 'missing default value here'))\n\n"
        + "    def put(self, key, value):\n        \"\"\"Stores value under key, replacing the old one.\"\"\"\n"
        + "        self.data[key] = value\n        self.log.append(('put', key, value, 'with a long note'))\n\n\n"
        + "def helper(x):\n    \"\"\"Doubles x.\"\"\"\n    return 2 * x\n";
    List<Chunk> out = chunk(48, "store.py", source);

    assertThat(out).extracting(c -> c.getMetadata().get("code.function")).contains("get", "put", "helper");
    Chunk put = out.stream().filter(c -> "put".equals(c.getMetadata().get("code.function"))).findFirst().orElseThrow();
    assertThat(put.getMetadata()).containsEntry("code.class", "Store");
    assertThat(body(put)).contains("def put(self, key, value):", "Stores value under key");
    Chunk helper = out.getLast();
    assertThat(helper.getMetadata()).doesNotContainKey("code.class");
    assertThat(helper.getHeadings()).containsExactly("helper");
  }

  @Test
  void everyParsedLanguageNamesItsFunctions() {
    String pad = "x".repeat(80);
    assertFunctions("main.go", "package main\n\n// Area of the rectangle.\nfunc (r *Rect) Area() int {\n  return r.w * r.h // "
        + pad + "\n}\n\nfunc Main() {\n  println(\"" + pad + "\")\n}\n", "Area", "Main");
    assertThat(harness.chunk(doc("go2", "h", "main.go", "main.go",
        List.of(code("package main\n\nfunc (r *Rect) Area() int { return 1 }\n")))))
        .allSatisfy(c -> assertThat(c.getMetadata()).containsEntry("code.class", "Rect"));
    assertFunctions("util.c", "#include <stdio.h>\n\n/* Adds. */\nint add(int a, int b) {\n  return a + b; /* " + pad
        + " */\n}\n\nint sub(int a, int b) {\n  return a - b; /* " + pad + " */\n}\n", "add", "sub");
    assertFunctions("shape.cpp", "namespace geo {\nclass Shape {\n public:\n  int area() { return 1; /* " + pad
        + " */ }\n  int side() { return 2; /* " + pad + " */ }\n};\n}\n", "area", "side");
    assertFunctions("app.js", "// Greets.\nexport function greet(name) {\n  return 'hi ' + name + '" + pad
        + "';\n}\n\nconst shout = (s) => {\n  return s.toUpperCase() + '" + pad + "';\n};\n", "greet", "shout");
    assertFunctions("app.ts", "export class Greeter {\n  greet(name: string): string {\n    return 'hi ' + name + '"
        + pad + "';\n  }\n\n  wave(): string {\n    return '" + pad + "';\n  }\n}\n", "greet", "wave");
  }

  private void assertFunctions(String file, String source, String... functions) {
    List<Chunk> out = chunk(32, file, source);
    assertThat(out).extracting(c -> c.getMetadata().get("code.function")).as(file).containsExactly(functions);
    assertThat(out).allSatisfy(c -> assertThat(c.getMetadata()).containsEntry("code.parser", "tree-sitter"));
    assertThat(String.join("\n", out.stream().map(TopologyHarness::body).toList()).replaceAll("\\s", ""))
        .as(file).isEqualTo(source.replaceAll("\\s", ""));
  }

  @Test
  void aLanguageWithoutAParserFallsBackToTopLevelBlankLineBoundaries() {
    String source = "fn one() -> u32 {\n    1 // " + "y".repeat(60) + "\n}\n\nfn two() -> u32 {\n    2 // "
        + "z".repeat(60) + "\n}\n";
    List<Chunk> out = chunk(32, "lib.rs", source);

    assertThat(out).extracting(TopologyHarness::body).containsExactly(
        "fn one() -> u32 {\n    1 // " + "y".repeat(60) + "\n}", "fn two() -> u32 {\n    2 // " + "z".repeat(60) + "\n}");
    assertThat(out).allSatisfy(c -> assertThat(c.getMetadata()).containsEntry("code.parser", "heuristic"));
  }
}
