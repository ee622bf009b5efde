package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.runtime.http.HttpJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ragstream eval} end to end on a tiny BEIR dataset: the corpus goes through the real pipeline once, the
 * second run reuses the index, and both print the metrics with the RESULT line last.
 */
class EvalCommandIT {
  @TempDir Path dataset;
  @TempDir Path dataDir;

  @Test
  void ingestsOnceThroughThePipelineThenReusesTheIndexAndPrintsTheResultLineLast() throws Exception {
    Files.writeString(dataset.resolve("corpus.jsonl"), """
        {"_id": "volcano", "title": "Volcanoes", "text": "Basaltic lava erupts from shield volcanoes in Iceland."}
        {"_id": "cake", "title": "Baking", "text": "Chocolate cake needs cocoa, flour, eggs and butter."}
        {"_id": "puppy", "title": "Dogs", "text": "Puppies learn to sit with patient reward training."}
        """);
    Files.writeString(dataset.resolve("queries.jsonl"), """
        {"_id": "q1", "text": "Icelandic shield volcano lava"}
        {"_id": "q2", "text": "how to bake a chocolate cake"}
        """);
    Files.createDirectories(dataset.resolve("qrels"));
    Files.writeString(dataset.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\tvolcano\t1\nq2\tcake\t2\n");
    Path out = dataDir.resolve("report.json");

    List<String> first = run("--out", out.toString());
    List<String> second = run();

    assertThat(first).anyMatch(line -> line.startsWith("published 3 documents"));
    assertThat(first.getLast()).isEqualTo("RESULT ndcg@10=1.0000 recall@100=1.0000 mrr@10=1.0000");
    assertThat(second).anyMatch(line -> line.startsWith("reusing the index"));
    assertThat(second.getLast()).isEqualTo(first.getLast());
    JsonNode report = HttpJson.mapper().readTree(out.toFile());
    assertThat(report.path("split").asText()).isEqualTo("test");
    assertThat(report.path("report").path("queries").asInt()).isEqualTo(2);
    assertThat(report.path("report").path("ndcgAt10").asDouble()).isEqualTo(1.0);
  }

  private List<String> run(String... extra) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      // a short warm-up: what is checked here is the pipeline and the report, not the latency
      String[] base = {"--dataset", dataset.toString(), "--data-dir", dataDir.resolve("state").toString(),
          "--warm-up", "20"};
      String[] args = new String[base.length + extra.length];
      System.arraycopy(base, 0, args, 0, base.length);
      System.arraycopy(extra, 0, args, base.length, extra.length);
      code = new CommandLine(new EvalCommand()).execute(args);
    } finally {
      System.setOut(original);
    }
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(code).as(String.join("\n", lines)).isZero();
    return lines;
  }
}
