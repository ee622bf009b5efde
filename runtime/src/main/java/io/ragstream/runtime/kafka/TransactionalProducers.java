package io.ragstream.runtime.kafka;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replacing a transactional producer that cannot continue, shared by every worker that reads, writes and commits
 * offsets in one Kafka transaction ({@link TransactionalStage}, the indexer). A producer in an error state must be
 * replaced, not retried: every later transactional call on it fails the same way.
 */
public final class TransactionalProducers {
  private static final Logger LOG = LoggerFactory.getLogger(TransactionalProducers.class);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private TransactionalProducers() {}

  /**
   * Closes {@code failed} and returns a new producer under the same transactional id with its transactions
   * initialised: {@code initTransactions} aborts whatever the old one left open and fences it, so nothing it sent is
   * ever committed. While the brokers cannot be reached this retries with a back-off rather than stopping the worker.
   *
   * @param owner names the worker in log lines
   * @param running whether the worker is still meant to run; once it is not, a retry gives up
   * @throws ProducerFencedException if another instance holds the transactional id (the worker must stop)
   * @throws AuthorizationException if the worker may not use its transactional id
   * @throws WakeupException if the worker was stopped (or interrupted) while the brokers could not be reached
   */
  public static Producer<byte[], byte[]> replace(String owner, Producer<byte[], byte[]> failed,
      Supplier<Producer<byte[], byte[]>> producers, BooleanSupplier running) {
    LOG.warn("{}: transactional producer is in an error state; closing it and starting a new one", owner);
    Duration backoff = FIRST_BACKOFF;
    Producer<byte[], byte[]> previous = failed;
    while (true) {
      closeQuietly(owner, previous);
      Producer<byte[], byte[]> next = producers.get();
      try {
        next.initTransactions();
        return next;
      } catch (ProducerFencedException | AuthorizationException e) {
        closeQuietly(owner, next);
        throw e;
      } catch (KafkaException e) {
        if (!running.getAsBoolean()) {
          closeQuietly(owner, next);
          throw new WakeupException();
        }
        LOG.warn("{}: new producer could not initialise its transactions, retrying in {} ms: {}", owner,
            backoff.toMillis(), e.toString());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          closeQuietly(owner, next);
          throw new WakeupException();
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        previous = next;
      }
    }
  }

  /** A producer being replaced may fail to close; that is why it is replaced, so the failure is only logged. */
  private static void closeQuietly(String owner, Producer<byte[], byte[]> producer) {
    try {
      producer.close(Duration.ZERO);
    } catch (KafkaException e) {
      LOG.debug("{}: closing the failed producer: {}", owner, e.toString());
    }
  }
}
