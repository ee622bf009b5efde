package io.ragstream.query.status;

import io.ragstream.runtime.kafka.BatchProcessor;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topic;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.DocumentProgress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The status stage: follows every stage's output topic and its dead letters and writes each touched document's
 * {@link DocumentProgress} to the compacted status topic. Deriving progress from the topics, rather than having each
 * stage report it, keeps the stages unaware of status and makes the record a faithful account of what they
 * committed (it only sees read_committed output).
 *
 * <p>Run it in a {@code TransactionalStage}: the status records and the input offsets commit together, so the state
 * {@link #restore restored} from the status topic after a restart matches the offsets it resumes from.
 */
public final class StatusTracker implements BatchProcessor {
  public static final String STAGE = "status";
  private final String statusTopic;
  private final Serializer<DocumentProgress> progressValues;
  private final ProgressBook book;

  public StatusTracker(String topicPrefix, SerdeSettings serdes) {
    this.statusTopic = Topics.STATUS.name(topicPrefix);
    this.progressValues = Topics.STATUS.valueSerde(serdes).serializer();
    this.book = new ProgressBook(topicPrefix, serdes);
  }

  /** The topics the tracker follows. */
  public static List<String> inputTopics(String topicPrefix) {
    return Stream.concat(Stream.of(Topics.INGEST, Topics.DOCUMENTS, Topics.CHUNKS, Topics.EMBEDDINGS,
            Topics.INDEX_EVENTS), Topics.DEAD_LETTERS.values().stream())
        .map((Topic<?, ?> t) -> t.name(topicPrefix)).toList();
  }

  /** Loads the current status table; call before the stage starts consuming. */
  public StatusTracker restore(KafkaSettings kafka, Duration timeout) {
    try (StatusTopicReader reader = new StatusTopicReader(kafka, kafka.topicPrefix() + "status-restore")) {
      reader.readToEnd(timeout, (docId, progress) -> {
        if (progress != null) {
          book.restore(progress);
        }
      });
    }
    return this;
  }

  /**
   * Emits the current progress of every document the batch touched, not only the changes this call made: after an
   * aborted transaction the batch is re-read, the book skips what it already applied, and the records that were
   * aborted are written again.
   */
  @Override
  public List<ProducerRecord<byte[], byte[]>> process(List<ConsumerRecord<byte[], byte[]>> batch) {
    Set<String> touched = new LinkedHashSet<>();
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      book.apply(record).ifPresent(touched::add);
    }
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(touched.size());
    for (String key : touched) { // keyed by DocumentKey: (tenant, docId)
      book.get(key).ifPresent(progress -> out.add(new ProducerRecord<>(statusTopic,
          key.getBytes(StandardCharsets.UTF_8), progressValues.serialize(statusTopic, progress))));
    }
    return out;
  }
}
