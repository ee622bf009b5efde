package io.ragstream.ingest;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.ingest.source.IngestHttpServer;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.stage.CompositeStage;
import io.ragstream.runtime.stage.StageHandle;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The ingest HTTP stage: uploads and deletes published to the ingest topic, on {@link IngestConfig#port()}. */
public final class IngestStage {
  public static final String NAME = "ingest";

  private IngestStage() {}

  /** Starts serving; the handle's {@code httpPort()} is the bound port. */
  public static StageHandle start(IngestConfig config, KafkaSettings kafka, MeterRegistry metrics) {
    CompositeStage stage = new CompositeStage(NAME);
    try {
      DocumentPublisher publisher = stage.resource(new DocumentPublisher(kafka, "ragstream-ingest-http"));
      IngestHttpServer server = stage.resource(new IngestHttpServer(config.port(), publisher,
          config.maxUploadBytes(), () -> stage, metrics, config.keys(), config.browsers()));
      stage.httpPort(server.port());
      return stage;
    } catch (IOException e) {
      throw stage.closeAfterFailedStart(new UncheckedIOException("cannot serve ingest on port " + config.port(), e));
    } catch (RuntimeException | Error e) {
      throw stage.closeAfterFailedStart(e);
    }
  }
}
