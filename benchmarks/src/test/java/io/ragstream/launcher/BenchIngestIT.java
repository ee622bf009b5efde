package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ragstream bench ingest} on a tiny BEIR corpus: both systems ingest every document, the table counts them
 * with their chunks and tokens, and the ratio line comes last. No timing is asserted.
 */
class BenchIngestIT {
  private static final Pattern ROW = Pattern.compile("^(ragstream|langchain4j)\\b.*?\\s+(\\d+)\\s+(\\d+)\\s+(-?\\d+)"
      + "\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+$");

  @TempDir Path dataset;

  @Test
  void bothSystemsIngestEveryDocumentAndTheRatioComesLast() throws Exception {
    Files.writeString(dataset.resolve("corpus.jsonl"), """
        {"_id": "volcano", "title": "Volcanoes", "text": "Basaltic lava erupts from shield volcanoes in Iceland."}
        {"_id": "cake", "title": "Baking", "text": "Chocolate cake needs cocoa, flour, eggs and butter."}
        {"_id": "puppy", "title": "Dogs", "text": "Puppies learn to sit with patient reward training."}
        {"_id": "late", "title": "Never read", "text": "The limit stops before this fourth document."}
        """);

    List<String> lines = run("--dataset", dataset.toString(), "--limit", "3", "--timeout-s", "300");

    List<Matcher> rows = lines.stream().map(ROW::matcher).filter(Matcher::matches).toList();
    assertThat(rows).as(String.join("\n", lines)).hasSize(2);
    for (Matcher row : rows) {
      assertThat(Integer.parseInt(row.group(2))).as(row.group()).isEqualTo(3); // docs
      assertThat(Long.parseLong(row.group(3))).as(row.group()).isGreaterThanOrEqualTo(3); // chunks
      assertThat(Long.parseLong(row.group(4))).as(row.group()).isPositive(); // tokens embedded
    }
    assertThat(lines.getLast()).matches("RESULT ingest_vs_langchain4j=\\d+\\.\\d\\d");
  }

  @Test
  void anUnknownSystemIsRefusedByName() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine cli = new CommandLine(new BenchIngestCommand())
        .setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
    int code = cli.execute("--dataset", dataset.toString(), "--systems", "ragstream,llamaindex");
    assertThat(code).isNotZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("llamaindex");
  }

  private static List<String> run(String... args) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = new CommandLine(new BenchIngestCommand()).execute(args);
    } finally {
      System.setOut(original);
    }
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(code).as(String.join("\n", lines)).isZero();
    return lines;
  }
}
