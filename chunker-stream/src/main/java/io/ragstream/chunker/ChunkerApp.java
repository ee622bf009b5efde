package io.ragstream.chunker;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.stage.Health;
import io.ragstream.schemas.RegistryAvroSerde;
import io.ragstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the chunker topology: exactly-once, local state under the data directory, poison records to its DLQ. Its
 * {@link Health}: ready while the Streams client runs (or rebalances); failed once the client is in {@code ERROR},
 * or shuts down without {@link #close()} having been called, since it never processes again after that.
 */
public final class ChunkerApp implements Health, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkerApp.class);
  /** Between a registry failure and the replacement thread: keeps an outage from becoming a tight restart loop. */
  static final Duration REGISTRY_RETRY_PAUSE = Duration.ofSeconds(5);

  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private volatile boolean closing;
  private volatile Throwable failure;

  /** The Streams application id, which is also the chunker's consumer group ({@code ragstream lag} lists it). */
  public static String applicationId(String topicPrefix) {
    return topicPrefix + "chunker";
  }

  public ChunkerApp(KafkaSettings kafka, Path stateDir, DocumentChunker chunker, short replicationFactor,
      MeterRegistry metrics) {
    Properties props = new Properties();
    props.putAll(kafka.admin());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId(kafka.topicPrefix()));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replicationFactor);
    // Exactly-once output is visible downstream only when Streams commits; its default interval under EOS (100 ms)
    // was ~half the chunker's share of a live page's latency (docs/BENCHMARKS.md, "Freshness"). Commits are cheap at
    // the chunker's record rates; a client override (RAGSTREAM_KAFKA_COMMIT_INTERVAL_MS) still wins.
    props.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 50);
    errorHandling(props, kafka.topicPrefix());
    props.put(StreamsConfig.consumerPrefix("max.partition.fetch.bytes"), KafkaSettings.MAX_RECORD_BYTES);
    props.put(StreamsConfig.producerPrefix("max.request.size"), KafkaSettings.MAX_RECORD_BYTES);
    this.streams =
        new KafkaStreams(ChunkerTopology.build(kafka.topicPrefix(), kafka.serdes(), chunker, metrics), props);
    streams.setUncaughtExceptionHandler(e -> {
      StreamThreadExceptionResponse response = onStreamThreadFailure(e);
      if (response != StreamThreadExceptionResponse.REPLACE_THREAD && failure == null) {
        failure = e;
      }
      return response;
    });
    streams.setStateListener((now, before) -> {
      if (closing) {
        return;
      }
      if (now == KafkaStreams.State.ERROR) {
        fail(new IllegalStateException("chunker Streams client is in state ERROR"));
      } else if (now == KafkaStreams.State.PENDING_SHUTDOWN || now == KafkaStreams.State.NOT_RUNNING) {
        fail(new IllegalStateException("chunker Streams client shut down unexpectedly (" + before + " -> " + now
            + ")"));
      }
    });
    this.streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(metrics);
  }

  /**
   * KIP-1034: records that fail to deserialize or process go to the DLQ with the standard error headers — except
   * records that only failed because the schema registry was unreachable, which fail the stream thread (see
   * {@link #onStreamThreadFailure}).
   */
  static void errorHandling(Properties props, String topicPrefix) {
    props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.DLQ_CHUNKER.name(topicPrefix));
    props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, PoisonOnlyDeserializationHandler.class);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        PoisonOnlyProcessingExceptionHandler.class);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
  }

  /**
   * A schema registry outage (registry mode) replaces the failed stream thread after a pause: it resumes from the
   * last committed offsets (exactly-once), so no record is lost or dead-lettered. Anything else keeps Kafka
   * Streams' default, shutting the client down.
   */
  static StreamThreadExceptionResponse onStreamThreadFailure(Throwable failure) {
    StreamThreadExceptionResponse response = onStreamThreadFailureResponseWithoutPause(failure);
    if (response == StreamThreadExceptionResponse.REPLACE_THREAD) {
      LOG.warn("chunker stream thread failed because the schema registry is unavailable; replacing it in {} s",
          REGISTRY_RETRY_PAUSE.toSeconds(), failure);
      try {
        Thread.sleep(REGISTRY_RETRY_PAUSE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return response;
  }

  /** The decision of {@link #onStreamThreadFailure}, without its pause. */
  static StreamThreadExceptionResponse onStreamThreadFailureResponseWithoutPause(Throwable failure) {
    return RegistryAvroSerde.registryUnavailable(failure) ? StreamThreadExceptionResponse.REPLACE_THREAD
        : StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
  }

  public void start() {
    streams.start();
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  private void fail(Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
    LOG.error("chunker stopped: {}", cause.getMessage(), failure);
  }

  @Override
  public Optional<String> notReady() {
    Throwable f = failure;
    if (f != null) {
      return Optional.of("chunker failed: " + f);
    }
    KafkaStreams.State state = streams.state();
    return state == KafkaStreams.State.RUNNING && !closing ? Optional.empty()
        : Optional.of("chunker Streams client is " + state);
  }

  @Override
  public Optional<Throwable> failure() {
    Throwable f = failure;
    if (f == null && streams.state() == KafkaStreams.State.ERROR) {
      return Optional.of(new IllegalStateException("chunker Streams client is in state ERROR"));
    }
    return Optional.ofNullable(f);
  }

  @Override
  public void close() {
    closing = true;
    // Leave the group: Streams stays a member by default, so a restarted (or the remaining) instance would wait out
    // session.timeout.ms (45 s) in a rebalance before processing again, and this close would wait with it.
    streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(Duration.ofSeconds(30)));
    streamsMetrics.close();
  }
}
