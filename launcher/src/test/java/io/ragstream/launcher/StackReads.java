package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.runtime.kafka.KafkaSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;

/** What the launcher ITs read back from a running stack: dead letters, and the output of a ragstream command. */
final class StackReads {

  private StackReads() {
  }

  /**
   * Reads a dead-letter topic from the start until at least {@code atLeast} letters arrived and three polls in a row
   * brought nothing more (or {@code patience} ran out); keyed by record key.
   */
  static Map<String, ConsumerRecord<byte[], byte[]>> deadLetters(KafkaSettings kafka, String topic, int atLeast,
      Duration patience) {
    Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        kafka.consumer("stack-reads-" + System.nanoTime(), "stack-reads-dlq", 500))) {
      // assigned, not subscribed: no group join to wait for on every look
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + patience.toNanos();
      int idle = 0;
      while (System.nanoTime() < deadline && (byKey.size() < atLeast || idle < 3)) {
        var records = consumer.poll(Duration.ofMillis(500));
        idle = records.isEmpty() ? idle + 1 : 0;
        records.forEach(r -> byKey.put(new String(r.key(), StandardCharsets.UTF_8), r));
      }
    }
    return byKey;
  }

  /** Runs a ragstream command in this JVM and returns what it printed; it must succeed. */
  static String run(String... args) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int code;
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      code = new CommandLine(new Ragstream()).execute(args);
    } finally {
      System.setOut(original);
    }
    String out = buffer.toString(StandardCharsets.UTF_8);
    assertThat(code).as("exit code of %s: %s", List.of(args), out).isZero();
    return out;
  }
}
