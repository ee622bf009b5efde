package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --help} on every command and subcommand, and {@code help COMMAND} wherever a command has subcommands. */
class HelpTest {
  /** Every command path below the root: {@code [up]}, {@code [bench, query]}, ... */
  private static List<List<String>> paths(CommandLine command, List<String> prefix) {
    List<List<String>> paths = new ArrayList<>();
    command.getSubcommands().forEach((name, sub) -> {
      List<String> path = new ArrayList<>(prefix);
      path.add(name);
      paths.add(path);
      paths.addAll(paths(sub, path));
    });
    return paths;
  }

  private record Run(int code, String out) {}

  private static Run run(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Ragstream.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args.toArray(String[]::new));
    return new Run(code, out + err.toString());
  }

  @Test
  void everyCommandAndSubcommandTakesHelp() {
    List<List<String>> paths = paths(Ragstream.commandLine(), List.of());
    assertThat(paths).extracting(p -> String.join(" ", p))
        .contains("up", "stage", "config", "publish", "dlq show", "help");
    for (List<String> path : paths) {
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        Run run = run(args);
        assertThat(run.code()).as(String.join(" ", args)).isZero();
        assertThat(run.out()).as(String.join(" ", args)).contains("Usage: ragstream " + String.join(" ", path));
      }
    }
  }

  @Test
  void helpCommandNamesEveryCommand() {
    for (List<String> path : paths(Ragstream.commandLine(), List.of())) {
      if (path.getLast().equals("help")) {
        continue;
      }
      // `ragstream help up`, `ragstream bench help query`
      List<String> args = new ArrayList<>(path.subList(0, path.size() - 1));
      args.add("help");
      args.add(path.getLast());
      Run run = run(args);
      assertThat(run.code()).as(String.join(" ", args)).isZero();
      assertThat(run.out()).as(String.join(" ", args)).contains("Usage: ragstream " + String.join(" ", path));
    }
  }

  @Test
  void anUnknownCommandIsStillAnError() {
    Run run = run(List.of("help", "nosuchcommand"));
    assertThat(run.out()).contains("nosuchcommand");
  }
}
