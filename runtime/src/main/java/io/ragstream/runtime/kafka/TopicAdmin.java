package io.ragstream.runtime.kafka;

import io.ragstream.schemas.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the registry's topics and waits until every partition has a leader. */
public final class TopicAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

  private TopicAdmin() {}

  /**
   * Creates the missing topics with their declared partitions and cleanup policy, then waits for partition leaders:
   * a producer that sends before a new partition has a leader can lose the record on a fresh broker.
   */
  public static void ensureTopics(String bootstrap, String prefix, short replication, Collection<Topic<?, ?>> topics,
      Duration timeout) {
    ensureTopics(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), bootstrap, prefix, replication, topics,
        timeout);
  }

  /** As above, with every client override of {@code kafka} (security settings reach the admin client too). */
  public static void ensureTopics(KafkaSettings kafka, short replication, Collection<Topic<?, ?>> topics,
      Duration timeout) {
    ensureTopics(kafka.admin(), kafka.bootstrap(), kafka.topicPrefix(), replication, topics, timeout);
  }

  private static void ensureTopics(Map<String, Object> adminProps, String bootstrap, String prefix, short replication,
      Collection<Topic<?, ?>> topics, Duration timeout) {
    try (Admin admin = Admin.create(adminProps)) {
      Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (Topic<?, ?> topic : topics) {
        if (!existing.contains(topic.name(prefix))) {
          missing.add(new NewTopic(topic.name(prefix), topic.partitions(), replication)
              .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, topic.cleanupPolicy().config())));
        }
      }
      for (var entry : admin.createTopics(missing).values().entrySet()) {
        try {
          entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          LOG.info("created topic {}", entry.getKey());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) { // another process won the race: fine
            throw e;
          }
        }
      }
      awaitLeaders(admin, topics.stream().map(t -> t.name(prefix)).toList(), timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create topics on " + bootstrap + ": " + e.getMessage(), e);
    }
  }

  private static void awaitLeaders(Admin admin, List<String> names, Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean allLed;
      try {
        Map<String, TopicDescription> descriptions =
            admin.describeTopics(names).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        allLed = descriptions.values().stream()
            .flatMap(d -> d.partitions().stream())
            .map(TopicPartitionInfo::leader)
            .allMatch(leader -> leader != null && !leader.isEmpty());
      } catch (ExecutionException e) {
        // right after creation the broker that answers may not have the new topics in its metadata yet
        // (UnknownTopicOrPartitionException, seen in CI): retriable, so asked again until the deadline
        if (!(e.getCause() instanceof RetriableException)) {
          throw e;
        }
        allLed = false;
      }
      if (allLed) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("partitions of " + names + " have no leader after " + timeout);
      }
      Thread.sleep(100);
    }
  }
}
