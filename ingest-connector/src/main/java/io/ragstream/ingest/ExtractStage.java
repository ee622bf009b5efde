package io.ragstream.ingest;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.ingest.extract.ExtractBatchProcessor;
import io.ragstream.ingest.extract.TikaExtractor;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TransactionalStage;
import io.ragstream.runtime.stage.CompositeStage;
import io.ragstream.runtime.stage.StageHandle;
import io.ragstream.schemas.Topics;

/** The extract stage (ingest → documents): one transactional worker around Tika in an isolated child JVM. */
public final class ExtractStage {
  public static final String NAME = "extract";

  private ExtractStage() {}

  /** Starts the stage; close the handle to stop it (the current batch is committed or aborted). */
  public static StageHandle start(ExtractConfig config, KafkaSettings kafka, MeterRegistry metrics) {
    CompositeStage stage = new CompositeStage(NAME);
    try {
      // parsing runs in a child JVM: a parser hang or out-of-memory costs a child restart, never the stage
      TikaExtractor extractor = stage.resource(TikaExtractor.isolated(config.limits(), config.childHeapMb(),
          config.ocr()));
      stage.worker(NAME, new TransactionalStage(NAME, config.instance(), kafka,
          Topics.INGEST.name(kafka.topicPrefix()), config.maxPollRecords(),
          new ExtractBatchProcessor(extractor, kafka.topicPrefix(), kafka.serdes(), metrics,
              config.references()), metrics));
      return stage;
    } catch (RuntimeException | Error e) {
      throw stage.closeAfterFailedStart(e);
    }
  }
}
