package io.ragstream.launcher.cluster;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream cluster up|ps|kill|down}: the distributed topology as separate OS processes on this machine, no
 * Docker (see {@link ClusterUp}).
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "The distributed topology on this machine, without Docker: Kafka brokers (KRaft), Elasticsearch,"
        + " Redis, Prometheus (when installed) and every stage as its own process, under a supervisor.",
    subcommands = {ClusterUp.class, ClusterCommand.Ps.class, ClusterCommand.Kill.class, ClusterCommand.Down.class})
public final class ClusterCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: up, ps, kill or down");
  }

  static ClusterState requireState(CommandSpec spec, Path dataDir) throws java.io.IOException {
    return ClusterState.read(dataDir).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
        "no cluster state in " + ClusterState.file(dataDir.toAbsolutePath()) + ": was `cluster up --data-dir "
            + dataDir + "` ever started?"));
  }

  @Command(name = "ps", mixinStandardHelpOptions = true,
      description = "One line per process: NAME PID PORT STATE RESTARTS.")
  static final class Ps implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--data-dir", required = true, description = "the directory given to `cluster up`")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
      ClusterState state = requireState(spec, dataDir);
      boolean supervised = state.supervisor().isPresent();
      PrintWriter out = spec.commandLine().getOut();
      out.print(format(state, supervised));
      out.flush();
      if (!supervised && state.processes().stream().anyMatch(e -> !e.state().equals("stopped"))) {
        spec.commandLine().getErr().println("the supervisor (pid " + state.supervisorPid()
            + ") is not running: states are as it last wrote them, 'exited' where the process is gone");
      }
      return 0;
    }

    /** The table: a header, then {@code NAME PID PORT STATE RESTARTS} per process, in start order. */
    static String format(ClusterState state, boolean supervised) {
      StringBuilder table = new StringBuilder(String.format("%-16s %8s %6s %-9s %s%n", "NAME", "PID", "PORT",
          "STATE", "RESTARTS"));
      for (ClusterState.Entry e : state.processes()) {
        Optional<ProcessHandle> live = e.handle();
        String stateText = e.state();
        if (live.isEmpty() && (stateText.equals("running") || stateText.equals("starting")
            || stateText.equals("stopping") || !supervised && stateText.equals("backoff"))) {
          stateText = "exited";
        }
        table.append(String.format("%-16s %8s %6d %-9s %d%n", e.name(),
            live.map(h -> Long.toString(h.pid())).orElse("-"), e.port(), stateText, e.restarts()));
      }
      return table.toString();
    }
  }

  @Command(name = "kill", mixinStandardHelpOptions = true,
      description = "SIGKILL one process (and what it started); the supervisor restarts it.")
  static final class Kill implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "e.g. kafka-1, embedder-0 (see `cluster ps`)") String name;

    @Option(names = "--data-dir", required = true, description = "the directory given to `cluster up`")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
      ClusterState state = requireState(spec, dataDir);
      ClusterState.Entry entry = state.entry(name).orElseThrow(() -> new CommandLine.ParameterException(
          spec.commandLine(), "no process '" + name + "' in this cluster; processes: "
              + String.join(", ", state.processes().stream().map(ClusterState.Entry::name).toList())));
      Optional<ProcessHandle> handle = entry.handle();
      if (handle.isEmpty()) {
        spec.commandLine().getErr().println(name + " is not running (state " + entry.state() + ")");
        return 1;
      }
      // the descendants first: once their parent is dead they are re-parented and out of reach
      List<ProcessHandle> tree = new ArrayList<>(handle.get().descendants().toList());
      handle.get().destroyForcibly();
      tree.forEach(ProcessHandle::destroyForcibly);
      handle.get().onExit().join();
      spec.commandLine().getOut().println("killed " + name + " (pid " + handle.get().pid() + ")");
      return 0;
    }
  }

  @Command(name = "down", mixinStandardHelpOptions = true,
      description = "Stop everything `cluster up` started (also when the supervisor itself was killed).")
  static final class Down implements Callable<Integer> {
    /** Longer than the supervisor's own ordered stop (three groups of at most 30 s each). */
    static final Duration SUPERVISOR_STOP = Duration.ofMinutes(2);

    @Spec CommandSpec spec;

    @Option(names = "--data-dir", required = true, description = "the directory given to `cluster up`")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
      ClusterState state = requireState(spec, dataDir);
      PrintWriter out = spec.commandLine().getOut();
      Optional<ProcessHandle> supervisor = state.supervisor();
      if (supervisor.isPresent()) {
        out.println("stopping the supervisor (pid " + supervisor.get().pid() + ")");
        out.flush();
        supervisor.get().destroy();
        try {
          supervisor.get().onExit().get(SUPERVISOR_STOP.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          spec.commandLine().getErr().println("the supervisor did not stop within " + SUPERVISOR_STOP.toSeconds()
              + " s: SIGKILL, then stopping its processes from the state file");
          supervisor.get().destroyForcibly();
          supervisor.get().onExit().join();
        }
        state = ClusterState.read(dataDir).orElse(state); // its last word
      } else {
        out.println("the supervisor (pid " + state.supervisorPid() + ") is not running: stopping its processes"
            + " from the state file");
      }
      // Whatever still runs (the supervisor was killed, or it could not stop something): the same order it uses.
      int stopped = 0;
      for (ManagedProcess.Role role : ManagedProcess.Role.values()) {
        List<ProcessHandle> group = new ArrayList<>();
        for (ClusterState.Entry e : state.processes()) {
          if (e.role().equals(role.label())) {
            e.handle().ifPresent(group::add);
          }
        }
        stopped += group.size();
        Supervisor.terminate(group, Supervisor.STOP_GRACE);
      }
      List<String> alive = state.processes().stream().filter(e -> e.handle().isPresent())
          .map(ClusterState.Entry::name).toList();
      if (!alive.isEmpty()) {
        spec.commandLine().getErr().println("still running: " + String.join(", ", alive));
        return 1;
      }
      out.println("ragstream cluster down" + (stopped > 0 ? " (" + stopped + " left by the supervisor stopped)" : ""));
      return 0;
    }
  }
}
