package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.indexer.lucene.LuceneStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ragstream replay} refuses bad arguments before it touches Kafka, naming what is wrong. */
class ReplayCommandTest {
  @TempDir Path dataDir;

  @Test
  void anUnknownSourceIsAUsageErrorNamingTheSources() {
    Result result = run("replay", "--from", "embeddings", "--generation", "g2", "--data-dir", dataDir.toString());

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).contains("--from embeddings is not a replay source; use --from chunks or --from"
        + " documents");
  }

  @Test
  void anExistingGenerationIsRefusedSoAReplayAlwaysStartsEmpty() throws Exception {
    try (LuceneStore store = LuceneStore.open(dataDir.resolve("index").resolve("g2"), "g2")) {
      assertThat(store.chunkCount()).isZero();
    }

    Result result = run("replay", "--from", "documents", "--generation", "g2", "--data-dir", dataDir.toString());

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).contains("generation g2 already exists; drop it first");
  }

  @Test
  void anUnknownStoreIsAUsageErrorNamingTheStores() {
    Result result = run("replay", "--from", "chunks", "--generation", "g2", "--store", "solr",
        "--data-dir", dataDir.toString());

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).contains("--store must be lucene, elasticsearch or qdrant+elasticsearch, got solr");
  }

  @Test
  void generationsSwapRefusesAGenerationTheStoreDoesNotHold() throws Exception {
    try (LuceneStore store = LuceneStore.open(dataDir.resolve("index").resolve("g1"), "g1")) {
      assertThat(store.documentCount()).isZero();
    }

    Result result = run("generations", "swap", "g7", "--data-dir", dataDir.toString());

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).contains("no generation g7 in lucene");
    assertThat(run("generations", "list", "--store", "solr", "--data-dir", dataDir.toString()).code())
        .isEqualTo(2);
  }

  @Test
  void anUnknownModelIsNamedWithTheKnownOnes() {
    Result result = run("replay", "--from", "documents", "--generation", "g3", "--model", "gpt-embed",
        "--data-dir", dataDir.toString());

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).contains("gpt-embed").contains("all-minilm-l6-v2");
  }

  @Test
  void aBadGenerationNameIsRefusedNamingTheRule() {
    Result result = run("replay", "--from", "chunks", "--generation", "G 2", "--data-dir", dataDir.toString());

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).contains("generation must be 1-63 of a-z");
  }

  private record Result(int code, String err) {}

  /** As {@link Ragstream#main} runs a command, without exiting. */
  private static Result run(String... args) {
    StringWriter err = new StringWriter();
    int code = new CommandLine(new Ragstream()).setErr(new PrintWriter(err, true))
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("ragstream " + cmd.getCommandName() + ": " + e.getMessage());
          return 1;
        }).execute(args);
    return new Result(code, err.toString());
  }
}
