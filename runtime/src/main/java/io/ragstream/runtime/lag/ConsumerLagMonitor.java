package io.ragstream.runtime.lag;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.Topic;
import io.ragstream.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples consumer lag and dead-letter counts on a schedule and exports them as gauges, so that a service's own
 * {@code /metrics} answers "how far behind is each stage" and Prometheus alone suffices (no lag exporter):
 *
 * <ul>
 *   <li>{@code ragstream_consumer_lag{group,topic,partition}}: records the group has yet to consume;
 *   <li>{@code ragstream_dlq_records{stage}}: dead letters in each stage's DLQ topic (counted by reading it: offset
 *       spans would also count the transaction markers of the transactional stages).
 * </ul>
 *
 * <p>Every process that runs one reports the lag of all ragstream groups; dashboards take {@code max by} the labels.
 */
public final class ConsumerLagMonitor implements AutoCloseable {
  public static final String LAG_METER = "ragstream.consumer.lag";
  public static final String DLQ_METER = "ragstream.dlq.records";
  private static final Logger LOG = LoggerFactory.getLogger(ConsumerLagMonitor.class);

  private final String prefix;
  private final MeterRegistry metrics;
  private final Admin admin;
  private final KafkaConsumer<byte[], byte[]> deadLetterReader;
  private final Map<TopicPartition, String> deadLetterStages = new HashMap<>();
  private final Map<String, AtomicLong> deadLetterCounts = new LinkedHashMap<>();
  private final Map<List<String>, AtomicLong> lagValues = new ConcurrentHashMap<>();
  private final Map<List<String>, Meter> lagGauges = new HashMap<>();
  private final List<Meter> deadLetterGauges = new java.util.ArrayList<>();
  private final AtomicReference<LagSnapshot> latest = new AtomicReference<>();
  private final AtomicReference<LagSnapshot> previous = new AtomicReference<>();
  private final ScheduledExecutorService scheduler;

  private ConsumerLagMonitor(KafkaSettings kafka, MeterRegistry metrics) {
    this.prefix = kafka.topicPrefix();
    this.metrics = metrics;
    this.admin = Admin.create(kafka.admin());
    // No group: this reader only counts, from the beginning, each time the monitor starts.
    Map<String, Object> props = kafka.consumer("unused", prefix + "dlq-counter", 1000);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    this.deadLetterReader = new KafkaConsumer<>(props);
    for (Map.Entry<String, Topic<byte[], byte[]>> e : Topics.DEAD_LETTERS.entrySet()) {
      for (int p = 0; p < e.getValue().partitions(); p++) {
        deadLetterStages.put(new TopicPartition(e.getValue().name(prefix), p), e.getKey());
      }
      AtomicLong count = new AtomicLong();
      deadLetterCounts.put(e.getKey(), count);
      deadLetterGauges.add(Gauge.builder(DLQ_METER, count, AtomicLong::get).tag("stage", e.getKey())
          .description("records in the stage's dead-letter topic").strongReference(true).register(metrics));
    }
    deadLetterReader.assign(deadLetterStages.keySet());
    deadLetterReader.seekToBeginning(deadLetterStages.keySet());
    this.scheduler = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().daemon().name("ragstream-lag-monitor").factory());
  }

  /** Starts sampling every {@code interval}; the first sample is taken right away. */
  public static ConsumerLagMonitor start(KafkaSettings kafka, MeterRegistry metrics, Duration interval) {
    ConsumerLagMonitor monitor = new ConsumerLagMonitor(kafka, metrics);
    monitor.scheduler.scheduleWithFixedDelay(monitor::sampleSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return monitor;
  }

  /** The latest snapshot, once one was taken. */
  public Optional<LagSnapshot> latest() {
    return Optional.ofNullable(latest.get());
  }

  /** Per-group lag, rate and drain estimate from the last two snapshots; empty before the first. */
  public List<LagSnapshot.GroupLag> groups() {
    LagSnapshot now = latest.get();
    return now == null ? List.of() : now.groups(previous.get());
  }

  /** Dead letters per stage, in pipeline order. */
  public Map<String, Long> deadLetters() {
    Map<String, Long> counts = new LinkedHashMap<>();
    deadLetterCounts.forEach((stage, count) -> counts.put(stage, count.get()));
    return counts;
  }

  private void sampleSafely() {
    try {
      sample();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // a broker that is briefly unreachable must not kill the schedule; the gauges keep their last values
      LOG.warn("lag sample failed: {}", e.toString());
    }
  }

  private void sample() throws Exception {
    LagSnapshot snapshot = ConsumerLagReader.read(admin, prefix);
    previous.set(latest.getAndSet(snapshot));
    Set<List<String>> seen = new HashSet<>();
    for (LagSnapshot.PartitionLag p : snapshot.partitions()) {
      List<String> key = List.of(p.group(), p.topic(), String.valueOf(p.partition()));
      seen.add(key);
      lagValues.computeIfAbsent(key, k -> new AtomicLong()).set(p.lag());
      lagGauges.computeIfAbsent(key, k -> Gauge.builder(LAG_METER, lagValues.get(k), AtomicLong::get)
          .tags(Tags.of("group", k.get(0), "topic", k.get(1), "partition", k.get(2)))
          .description("records the consumer group has yet to consume").strongReference(true).register(metrics));
    }
    // a group that went away must not keep reporting its last lag
    lagGauges.keySet().removeIf(key -> {
      if (seen.contains(key)) {
        return false;
      }
      metrics.remove(lagGauges.get(key));
      lagValues.remove(key);
      return true;
    });
    ConsumerRecords<byte[], byte[]> records;
    do {
      records = deadLetterReader.poll(Duration.ofMillis(50));
      for (TopicPartition tp : records.partitions()) {
        deadLetterCounts.get(deadLetterStages.get(tp)).addAndGet(records.records(tp).size());
      }
    } while (!records.isEmpty());
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("lag monitor did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deadLetterReader.close();
    admin.close(Duration.ofSeconds(5));
    // A gauge outlives its monitor in a shared registry and would keep reporting this monitor's last values (and
    // shadow the gauges of a monitor started later in the same JVM): take ours out. The sampler has stopped.
    lagGauges.values().forEach(metrics::remove);
    lagGauges.clear();
    deadLetterGauges.forEach(metrics::remove);
  }
}
