package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills and restarts every stage several times and the broker once while 2,000 documents (with updates and deletes)
 * flow; afterwards the index must hold exactly the chunks the chunker makes of each document's final content. The
 * longer version is {@code ragstream bench chaos --docs N}.
 */
class ChaosIT {
  @TempDir Path dataDir;

  @Test
  void noChunkIsLostDuplicatedOrStaleAfterStageKillsAndABrokerRestart() throws Exception {
    ChaosRun.Report report = new ChaosRun(dataDir, new ChaosRun.Settings(2000, 3, true, 2026, Duration.ofSeconds(150)),
        System.out).run();

    System.out.println(report.summary());
    assertThat(report.stageKills()).isEqualTo(12);
    assertThat(report.brokerRestarts()).isEqualTo(1);
    assertThat(report.deletes()).isPositive();
    assertThat(report.updates()).isPositive();
    assertThat(report.lost()).as("lost chunks").isZero();
    assertThat(report.duplicated()).as("duplicated chunks").isZero();
    assertThat(report.stale()).as("stale chunks of updated documents").isZero();
    assertThat(report.ofDeleted()).as("chunks of deleted documents").isZero();
    assertThat(report.unexpected()).as("chunks of no document").isZero();
    assertThat(report.indexedChunks()).isEqualTo(report.expectedChunks());
    assertThat(report.expectedChunks()).isEqualTo(report.documents() - report.deletes());
  }
}
