package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The README's quick start: `ragstream demo` indexes the shipped samples and answers each query from the right one. */
class DemoCommandIT {

  @TempDir Path dataDir;

  @Test
  void theDemoIndexesTheSamplesAndFindsEachQuerysDocumentInEveryMode() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int code;
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      code = new CommandLine(new Ragstream()).execute("demo", "--exit", "--data-dir", dataDir.toString(),
          "--samples", Path.of("..", "samples").toString(), "--http-port", "0", "--ingest-port", "0",
          "--kafka-port", "0");
    } finally {
      System.setOut(original);
    }
    String out = buffer.toString(StandardCharsets.UTF_8);

    assertThat(code).as(out).isZero();
    for (String mode : new String[] {"keyword", "vector", "hybrid"}) {
      assertThat(out).containsPattern("how does compaction remove a key\\s+" + mode + "\\s+→ kafka-basics\\.md");
      assertThat(out).containsPattern("reciprocal rank fusion\\s+" + mode + "\\s+→ retrieval\\.html");
      assertThat(out).containsPattern("Fresnel lens\\s+" + mode + "\\s+→ lighthouses\\.txt");
    }
    assertThat(out).contains("ragstream ready");
  }
}
