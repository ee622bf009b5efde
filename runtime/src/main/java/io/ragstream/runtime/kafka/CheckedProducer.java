package io.ragstream.runtime.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Sends records and waits for every acknowledgement: a send whose future fails is an error for the caller, never a
 * silent loss. Used by the sources (CLI, HTTP), where the caller must know the record is durable before it answers.
 */
public final class CheckedProducer<K, V> implements AutoCloseable {
  private final Producer<K, V> producer;
  private final Duration timeout;

  public CheckedProducer(Producer<K, V> producer, Duration timeout) {
    this.producer = producer;
    this.timeout = timeout;
  }

  /** Sends one record and returns its metadata once the broker acknowledged it. */
  public RecordMetadata send(ProducerRecord<K, V> record) {
    return sendAll(List.of(record)).getFirst();
  }

  /** Sends all records (pipelined), then waits for each acknowledgement in order. */
  public List<RecordMetadata> sendAll(List<ProducerRecord<K, V>> records) {
    List<Future<RecordMetadata>> futures = new ArrayList<>(records.size());
    for (ProducerRecord<K, V> record : records) {
      futures.add(producer.send(record));
    }
    producer.flush();
    List<RecordMetadata> acks = new ArrayList<>(records.size());
    for (int i = 0; i < futures.size(); i++) {
      try {
        acks.add(futures.get(i).get(timeout.toMillis(), TimeUnit.MILLISECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SendFailedException(records.get(i), e);
      } catch (ExecutionException | TimeoutException e) {
        throw new SendFailedException(records.get(i), e);
      }
    }
    return acks;
  }

  @Override
  public void close() {
    producer.close(timeout);
  }

  /** A record the broker did not acknowledge. */
  public static final class SendFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SendFailedException(ProducerRecord<?, ?> record, Exception cause) {
      super("send to " + record.topic() + " (key " + record.key() + ") failed: "
          + (cause.getCause() != null ? cause.getCause().getMessage() : cause.getMessage()), cause);
    }
  }
}
