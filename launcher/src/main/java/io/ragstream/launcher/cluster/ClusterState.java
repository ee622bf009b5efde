package io.ragstream.launcher.cluster;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * What a running (or crashed) {@code cluster up} left in {@code DIR/cluster.json}: the supervisor's pid and every
 * supervised process with its pid, port, state and restart count. {@code ps}, {@code kill} and {@code down} read it;
 * the supervisor rewrites it atomically (a temporary file moved over the old one) on every change, so a reader
 * never sees half a file.
 *
 * @param supervisorPid the {@code cluster up} process
 * @param supervisorStartedMs its start time (epoch ms) (a pid alone may be reused after it dies)
 * @param ready whether the cluster reached ready
 * @param processes in start order
 */
public record ClusterState(long supervisorPid, long supervisorStartedMs, boolean ready, List<Entry> processes) {
  static final String FILE = "cluster.json";
  private static final ObjectMapper JSON = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public ClusterState {
    processes = List.copyOf(processes);
  }

  /**
   * One supervised process.
   *
   * @param name e.g. {@code kafka-1}, {@code embedder-0}
   * @param role {@code broker}, {@code service} or {@code stage}: the stop order is stages, services, brokers
   * @param pid its current pid, 0 while none runs
   * @param startedMs its start time (epoch ms), to tell it from a later process that reuses the pid
   * @param port its main port
   * @param state {@code starting}, {@code running}, {@code backoff}, {@code stopping} or {@code stopped}
   * @param restarts how often the supervisor restarted it
   */
  public record Entry(String name, String role, long pid, long startedMs, int port, String state, int restarts) {
    /** The live process this entry names, if it still runs (same pid and the same start time). */
    public Optional<ProcessHandle> handle() {
      return ClusterState.handle(pid, startedMs);
    }
  }

  static Optional<ProcessHandle> handle(long pid, long startedMs) {
    if (pid <= 0) {
      return Optional.empty();
    }
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> startedMs == 0
        || h.info().startInstant().map(s -> Math.abs(s.toEpochMilli() - startedMs) < 2000).orElse(true));
  }

  /** The supervisor, if it still runs. */
  public Optional<ProcessHandle> supervisor() {
    return handle(supervisorPid, supervisorStartedMs);
  }

  public Optional<Entry> entry(String name) {
    return processes.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  public static Path file(Path dataDir) {
    return dataDir.resolve(FILE);
  }

  /** The state in {@code dataDir}, or empty if no cluster was ever started there. */
  public static Optional<ClusterState> read(Path dataDir) throws IOException {
    try {
      return Optional.of(JSON.readValue(Files.readAllBytes(file(dataDir)), ClusterState.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Writes the state atomically: readers see the old file or the new one, never a partial one. */
  public void write(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path tmp = dataDir.resolve(FILE + ".tmp");
    Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
    Files.move(tmp, file(dataDir), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
