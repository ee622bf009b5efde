package io.ragstream.launcher.cluster;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One process the supervisor keeps running: how to start it (a fresh {@link ProcessBuilder} per start, so a
 * restart runs the same command) and how to tell that it is ready.
 *
 * @param name e.g. {@code kafka-0}, {@code query-1}
 * @param role decides the stop order
 * @param port its main port (what {@code cluster ps} shows)
 * @param command builds the process
 * @param readiness whether a started process is ready; gets the log file and the log length at its start
 * @param metricsPort the port Prometheus scrapes, if any
 */
record ManagedProcess(String name, Role role, int port, Command command, Readiness readiness,
    Optional<Integer> metricsPort) {

  /** Stop order: stages first (they flush to Kafka and the stores), then the servers they use, brokers last. */
  enum Role {
    STAGE, SERVICE, BROKER;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  @FunctionalInterface
  interface Command {
    ProcessBuilder build() throws Exception;
  }

  @FunctionalInterface
  interface Readiness {
    /**
     * @param log the process's log file
     * @param logOffset the log's length when this run of the process started
     */
    boolean ready(Path log, long logOffset) throws Exception;
  }
}
