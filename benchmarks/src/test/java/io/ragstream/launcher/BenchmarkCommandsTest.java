package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** With this module on the classpath, {@code ragstream bench ...} and {@code ragstream eval} are there as before. */
class BenchmarkCommandsTest {
  @Test
  void theLauncherFindsBenchAndEvalUnderTheirNames() {
    CommandLine root = Ragstream.commandLine();
    assertThat(root.getSubcommands()).containsKeys("bench", "eval");
    assertThat(root.getSubcommands().get("bench").getSubcommands())
        .containsKeys("embed", "chunk", "pipeline", "query", "chaos", "freshness", "help");
  }

  @Test
  void helpReachesAMovedSubcommand() {
    StringWriter out = new StringWriter();
    int code = Ragstream.commandLine().setOut(new PrintWriter(out, true))
        .execute("bench", "help", "query");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("Usage: ragstream bench query");
  }
}
