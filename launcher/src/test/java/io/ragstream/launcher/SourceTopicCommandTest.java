package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code ragstream source topic}'s options are checked before anything connects: a mistake is a usage error (exit 2)
 * whose message names the option. The bootstrap points at a port nothing listens on, so a check that let the command
 * through would not pass silently.
 */
class SourceTopicCommandTest {
  private record Run(int code, String err) {}

  private static Run run(String... extra) {
    List<String> args = new ArrayList<>(List.of("source", "topic", "--bootstrap", "127.0.0.1:1",
        "--source-topic", "articles", "--map", "id=$.after.id,text=$.after.body",
        // the stack's registry (and its environment variable) out of play, whatever the environment says
        "--schema-registry-url="));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Ragstream.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args.toArray(String[]::new));
    return new Run(code, err.toString());
  }

  @Test
  void avroWithoutARegistryNamesTheMissingOption() {
    Run run = run("--format", "avro");

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--format avro needs --source-schema-registry-url", "articles");
  }

  @Test
  void aRegistryUrlThatIsNotApicuriosV2ApiIsRefused() {
    Run run = run("--format", "avro", "--source-schema-registry-url", "http://registry:8080/apis/ccompat/v7");

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--source-schema-registry-url http://registry:8080/apis/ccompat/v7", "v2");
  }

  @Test
  void aRegistryIsForAvroOnly() {
    Run run = run("--format", "json", "--source-schema-registry-url", "http://registry:8080/apis/registry/v2");

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--source-schema-registry-url applies to --format avro only");
  }

  @Test
  void anUnknownFormatNamesTheChoices() {
    Run run = run("--format", "protobuf");

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--format must be json, avro or string");
  }
}
