package io.ragstream.launcher.cluster;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a set of OS processes running: starts each with its output appended to {@code DIR/logs/NAME.log}, restarts
 * one that exits with an exponential back-off (1 s doubling to 30 s, reset once a run lasted a minute), records every
 * change in {@link ClusterState}, and stops them in order (stages, then services, then brokers) on {@link #close}.
 *
 * <p>Each child runs in its own session ({@code setsid}, where installed), so Ctrl-C in the terminal reaches only the
 * supervisor, which then stops the children in order instead of every process dying at once.
 */
final class Supervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
  static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  /** A run this long counts as healthy: the next failure starts the back-off from the beginning again. */
  static final Duration HEALTHY_RUN = Duration.ofMinutes(1);
  static final Duration STOP_GRACE = Duration.ofSeconds(30);
  /** A process that dies this often before the cluster is ready will not come up: give up and say why. */
  static final int START_ATTEMPTS = 5;

  private final Path dataDir;
  private final PrintStream out;
  private final Optional<Path> setsid;
  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private final CountDownLatch stopping = new CountDownLatch(1);
  private volatile boolean ready;

  Supervisor(Path dataDir, PrintStream out) {
    this.dataDir = dataDir.toAbsolutePath();
    this.out = out;
    this.setsid = io.ragstream.servers.Executables.find("setsid");
  }

  /** The current state of one process and its run loop. */
  private final class Slot {
    final ManagedProcess spec;
    final Path log;
    volatile Process process;
    volatile long startedMs;
    volatile long logOffset;
    volatile String state = "starting";
    volatile int restarts;
    Thread loop;

    Slot(ManagedProcess spec) {
      this.spec = spec;
      this.log = dataDir.resolve("logs").resolve(spec.name() + ".log");
    }
  }

  /** Starts {@code spec} and keeps it running until {@link #close}. */
  void start(ManagedProcess spec) throws IOException {
    Files.createDirectories(dataDir.resolve("logs"));
    Slot slot = new Slot(spec);
    synchronized (this) {
      if (slots.containsKey(spec.name())) {
        throw new IllegalStateException(spec.name() + " is already supervised");
      }
      slots.put(spec.name(), slot);
    }
    slot.loop = Thread.ofPlatform().name("supervise-" + spec.name()).daemon().start(() -> run(slot));
  }

  private void run(Slot slot) {
    int failures = 0;
    while (stopping.getCount() > 0) {
      long began = System.nanoTime();
      Process process;
      try {
        process = launch(slot);
      } catch (Exception e) {
        out.println("ragstream cluster: cannot start " + slot.spec.name() + ": " + e.getMessage());
        LOG.warn("cannot start {}", slot.spec.name(), e);
        process = null;
      }
      if (process != null) {
        watchReadiness(slot, process);
        int code = waitFor(process);
        if (stopping.getCount() == 0) {
          break;
        }
        failures = System.nanoTime() - began > HEALTHY_RUN.toNanos() ? 1 : failures + 1;
        slot.restarts++;
        out.printf("ragstream cluster: %s (pid %d) exited with code %d; restart %d%n", slot.spec.name(),
            process.pid(), code, slot.restarts);
      } else {
        failures++;
      }
      Duration backoff = backoff(failures);
      setState(slot, "backoff");
      try {
        if (stopping.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
          break;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
  }

  /** 1 s, 2 s, 4 s ... up to 30 s after {@code failures} consecutive failures (1-based). */
  static Duration backoff(int failures) {
    long millis = MIN_BACKOFF.toMillis() << Math.min(Math.max(failures - 1, 0), 16);
    return Duration.ofMillis(Math.min(millis, MAX_BACKOFF.toMillis()));
  }

  private Process launch(Slot slot) throws Exception {
    ProcessBuilder builder = slot.spec.command().build();
    if (setsid.isPresent()) {
      List<String> command = new ArrayList<>(builder.command());
      command.addFirst(setsid.get().toString());
      builder.command(command);
    }
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(slot.log.toFile()));
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    synchronized (this) {
      if (stopping.getCount() == 0) {
        return null; // stop began while the command was built: start nothing new
      }
      slot.logOffset = Files.exists(slot.log) ? Files.size(slot.log) : 0;
      Process process = builder.start();
      slot.process = process;
      slot.startedMs = process.info().startInstant().map(java.time.Instant::toEpochMilli)
          .orElse(System.currentTimeMillis());
      slot.state = "starting";
      writeState();
      return process;
    }
  }

  private void watchReadiness(Slot slot, Process process) {
    Thread.ofVirtual().name("ready-" + slot.spec.name()).start(() -> {
      while (process.isAlive() && stopping.getCount() > 0) {
        try {
          if (slot.spec.readiness().ready(slot.log, slot.logOffset)) {
            if (slot.process == process && process.isAlive()) {
              setState(slot, "running");
            }
            return;
          }
        } catch (Exception e) {
          LOG.debug("readiness of {}: {}", slot.spec.name(), e.toString());
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }

  private static int waitFor(Process process) {
    while (true) {
      try {
        return process.waitFor();
      } catch (InterruptedException e) {
        // only close() interrupts nothing here; keep waiting for the exit
      }
    }
  }

  private synchronized void setState(Slot slot, String state) {
    if (!slot.state.equals("stopped")) {
      slot.state = state;
      writeState();
    }
  }

  /** Waits until every one of {@code names} is running; fails early when the supervisor stops. */
  void awaitRunning(Collection<String> names, Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> waiting = new ArrayList<>();
      for (String name : names) {
        Slot slot = slots.get(name);
        if (slot == null || !slot.state.equals("running")) {
          waiting.add(name);
        }
      }
      if (waiting.isEmpty()) {
        return;
      }
      for (String name : waiting) {
        Slot slot = slots.get(name);
        if (slot != null && slot.restarts >= START_ATTEMPTS) {
          throw new IllegalStateException(name + " exited " + slot.restarts + " times while the cluster started;"
              + " its log " + slot.log + " ends with: " + lastLines(slot.log, 5));
        }
      }
      if (stopping.getCount() == 0) {
        throw new InterruptedException("the cluster is stopping");
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("not ready after " + timeout.toSeconds() + " s: " + String.join(", ", waiting)
            + " (see " + dataDir.resolve("logs") + ")");
      }
      Thread.sleep(500);
    }
  }

  void markReady() {
    ready = true;
    synchronized (this) {
      writeState();
    }
  }

  /** Writes the state file; called with the monitor held so writes never interleave. */
  private void writeState() {
    List<ClusterState.Entry> entries = new ArrayList<>();
    for (Slot slot : slots.values()) {
      Process p = slot.process;
      boolean alive = p != null && p.isAlive();
      entries.add(new ClusterState.Entry(slot.spec.name(), slot.spec.role().label(), alive ? p.pid() : 0,
          alive ? slot.startedMs : 0, slot.spec.port(), slot.state, slot.restarts));
    }
    ProcessHandle self = ProcessHandle.current();
    try {
      new ClusterState(self.pid(), self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L),
          ready, entries).write(dataDir);
    } catch (IOException e) {
      LOG.warn("cannot write the cluster state to {}: {}", dataDir, e.toString());
    }
  }

  /** Stops every process, stages first, then services, brokers last; each group SIGTERM, then SIGKILL after 30 s. */
  @Override
  public void close() {
    synchronized (this) {
      if (stopping.getCount() == 0) {
        return;
      }
      stopping.countDown();
    }
    for (ManagedProcess.Role role : ManagedProcess.Role.values()) {
      List<Slot> group = slots.values().stream().filter(s -> s.spec.role() == role).toList();
      for (Slot slot : group) {
        Process p = slot.process;
        if (p != null && p.isAlive()) {
          setState(slot, "stopping");
        }
      }
      List<ProcessHandle> handles = new ArrayList<>();
      for (Slot slot : group) {
        Process p = slot.process;
        if (p != null) {
          handles.add(p.toHandle());
        }
      }
      terminate(handles, STOP_GRACE);
      for (Slot slot : group) {
        synchronized (this) {
          slot.state = "stopped";
          writeState();
        }
      }
    }
    for (Slot slot : slots.values()) {
      if (slot.loop != null) {
        try {
          slot.loop.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * SIGTERM to each process and its descendants, a wait of {@code grace}, then SIGKILL to whatever still runs. The
   * descendants are collected first: once a parent dies they are re-parented and no longer found from it.
   */
  static void terminate(Collection<ProcessHandle> processes, Duration grace) {
    List<ProcessHandle> all = new ArrayList<>();
    for (ProcessHandle handle : processes) {
      all.addAll(handle.descendants().toList());
      all.add(handle);
    }
    for (ProcessHandle handle : processes) {
      handle.destroy();
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (ProcessHandle handle : all) {
      long left = deadline - System.nanoTime();
      try {
        handle.onExit().get(Math.max(left, 1), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        // still running: killed below
      }
    }
    for (ProcessHandle handle : all) {
      if (handle.isAlive()) {
        LOG.warn("pid {} did not stop within {} s: SIGKILL", handle.pid(), grace.toSeconds());
        handle.destroyForcibly();
      }
    }
    for (ProcessHandle handle : all) {
      handle.onExit().join();
    }
  }

  static String lastLines(Path log, int n) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
          .filter(l -> !l.startsWith("WARNING: ")).toList(); // the JVM's incubator-module notice says nothing
      return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (IOException | java.io.UncheckedIOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  /** The log of {@code name} from {@code offset} on, for readiness checks that look for a line. */
  static String logSince(Path log, long offset) throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long length = file.length();
      if (length <= offset) {
        return "";
      }
      byte[] bytes = new byte[(int) Math.min(length - offset, 4 * 1024 * 1024)];
      file.seek(offset);
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }
}
