package io.ragstream.query;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.query.status.StatusTracker;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TransactionalStage;
import io.ragstream.runtime.stage.CompositeStage;
import io.ragstream.runtime.stage.StageHandle;
import java.time.Duration;

/** The status stage: follows every stage's output and writes each document's progress to the status topic. */
public final class StatusStage {
  public static final String NAME = StatusTracker.STAGE;

  private StatusStage() {}

  /** Restores the tracker from the status topic (up to a minute), then starts its worker. */
  public static StageHandle start(StatusConfig config, KafkaSettings kafka, MeterRegistry metrics) {
    CompositeStage stage = new CompositeStage(NAME);
    try {
      StatusTracker tracker =
          new StatusTracker(kafka.topicPrefix(), kafka.serdes()).restore(kafka, Duration.ofSeconds(60));
      stage.worker(NAME, new TransactionalStage(NAME, config.instance(), kafka,
          StatusTracker.inputTopics(kafka.topicPrefix()), config.maxPollRecords(), tracker, metrics));
      return stage;
    } catch (RuntimeException | Error e) {
      throw stage.closeAfterFailedStart(e);
    }
  }
}
