package io.ragstream.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ragstream bench chaos}: the chaos experiment of {@code ChaosIT} at a size of your choosing. Exit status 0
 * when the index holds exactly the expected chunks, 1 otherwise.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
    description = "Publish generated documents (with updates and deletes) while killing and restarting every stage"
        + " and the broker; then check the index chunk by chunk and print the figures.")
final class BenchChaosCommand implements Callable<Integer> {
  @Option(names = "--docs", defaultValue = "10000", description = "documents to publish (default: ${DEFAULT-VALUE})")
  int docs;

  @Option(names = "--kills-per-stage", defaultValue = "5",
      description = "kills and restarts of each stage (default: ${DEFAULT-VALUE})")
  int killsPerStage;

  @Option(names = "--no-broker-restart", description = "keep the broker up") boolean noBrokerRestart;

  @Option(names = "--seed", defaultValue = "42") long seed;

  @Option(names = "--timeout-s", defaultValue = "900", description = "give up waiting for the index after this long")
  long timeoutSeconds;

  @Option(names = "--data-dir", description = "where the broker and index live (default: a new temporary directory)")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("ragstream-bench-chaos");
    ChaosRun.Report report = new ChaosRun(dir, new ChaosRun.Settings(docs, killsPerStage, !noBrokerRestart, seed,
        Duration.ofSeconds(timeoutSeconds)), System.out).run();
    System.out.printf("RESULT chaos_documents=%d chaos_faults=%d chaos_lost=%d chaos_duplicated=%d chaos_stale=%d"
        + " chaos_of_deleted=%d chaos_unexpected=%d%n", report.documents(),
        report.stageKills() + report.brokerRestarts(), report.lost(), report.duplicated(), report.stale(), report.ofDeleted(), report.unexpected());
    return report.clean() ? 0 : 1;
  }
}
