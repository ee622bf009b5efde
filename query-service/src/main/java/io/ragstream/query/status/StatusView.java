package io.ragstream.query.status;

import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.avro.DocumentProgress;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query service's copy of the status table: a thread follows the compacted status topic into memory, so
 * {@code GET /v1/documents/{docId}} and the status page answer without a round trip to Kafka. Every query-service
 * instance keeps a whole copy (the table holds one small record per document).
 */
public final class StatusView implements AutoCloseable, io.ragstream.runtime.stage.Health {
  private static final Logger LOG = LoggerFactory.getLogger(StatusView.class);

  private final Map<String, DocumentProgress> documents = new ConcurrentHashMap<>();
  private final StatusTopicReader reader;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped = new CountDownLatch(1);
  // why the follower thread ended while it should still run; part of the query stage's health, so a dead view
  // (status pages no longer updated) fails the stage instead of going unnoticed
  private volatile Throwable failure;

  private StatusView(KafkaSettings kafka, String clientId) {
    this.reader = new StatusTopicReader(kafka, clientId);
  }

  /** Starts following the status topic in a daemon thread. */
  public static StatusView start(KafkaSettings kafka, String clientId) {
    StatusView view = new StatusView(kafka, clientId);
    Thread.ofPlatform().daemon().name("ragstream-status-view").start(view::follow);
    return view;
  }

  /** The progress of {@code tenant}'s document {@code docId}; another tenant's of the same docId is never it. */
  public Optional<DocumentProgress> get(String tenant, String docId) {
    return Optional.ofNullable(documents.get(DocumentKey.encode(tenant, docId)));
  }

  /** The most recently updated documents, newest first. */
  public List<DocumentProgress> recent(int limit) {
    return documents.values().stream()
        .sorted(Comparator.comparing(DocumentProgress::getUpdatedAt).reversed()
            .thenComparing(DocumentProgress::getDocId))
        .limit(limit).toList();
  }

  public int size() {
    return documents.size();
  }

  /** The most recently updated documents of one tenant, newest first. */
  public List<DocumentProgress> recent(int limit, String tenant) {
    return recent(limit, tenant, null);
  }

  /**
   * The most recently updated documents of one tenant that a caller with {@code principals} may see (null: all),
   * newest first: status names documents, so it follows their ACLs like search does.
   */
  public List<DocumentProgress> recent(int limit, String tenant, java.util.Collection<String> principals) {
    return documents.values().stream().filter(p -> tenant.equals(p.getTenant()))
        .filter(p -> io.ragstream.indexer.store.DocumentAcl.visible(p.getAcl(), principals))
        .sorted(Comparator.comparing(DocumentProgress::getUpdatedAt).reversed()
            .thenComparing(DocumentProgress::getDocId))
        .limit(limit).toList();
  }

  /** How many documents one tenant has in the table. */
  public long size(String tenant) {
    return size(tenant, null);
  }

  /** How many documents of one tenant a caller with {@code principals} may see (null: all). */
  public long size(String tenant, java.util.Collection<String> principals) {
    return documents.values().stream().filter(p -> tenant.equals(p.getTenant()))
        .filter(p -> io.ragstream.indexer.store.DocumentAcl.visible(p.getAcl(), principals)).count();
  }

  private void follow() {
    try {
      while (running.get()) {
        // By (tenant, docId) from the value: a record keyed by docId alone (before tenant-scoped keys) lands where
        // its successors under the new key do, and a later one replaces it (same partition, so in order).
        reader.poll(Duration.ofMillis(500), (key, progress) -> {
          if (progress == null) {
            documents.remove(key);
          } else {
            documents.put(DocumentKey.encode(progress.getTenant(), progress.getDocId()), progress);
          }
        });
      }
    } catch (WakeupException e) {
      if (running.get()) {
        failure = e;
        LOG.error("status view stopped unexpectedly", e);
      }
    } catch (RuntimeException | Error e) {
      failure = e;
      LOG.error("status view stopped on an error; document status is no longer updated", e);
    } finally {
      try {
        reader.close();
      } finally {
        stopped.countDown();
      }
    }
  }

  @Override
  public Optional<String> notReady() {
    Throwable f = failure;
    return f == null ? Optional.empty() : Optional.of("status view stopped: " + f);
  }

  @Override
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public void close() {
    running.set(false);
    reader.wakeup();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
