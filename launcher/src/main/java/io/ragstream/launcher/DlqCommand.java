package io.ragstream.launcher;

import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.Topic;
import io.ragstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ragstream dlq list|show|redrive STAGE}: every stage's dead letters carry the same headers (Kafka Streams'
 * KIP-1034 names), so one tool reads all of them. Re-driving publishes the original key, value and headers (minus
 * the error headers) to the topic the record was read from, after the cause was fixed.
 */
@Command(name = "dlq", description = "Inspect and re-drive dead letters.",
    subcommands = {DlqCommand.ListDeadLetters.class, DlqCommand.Show.class, DlqCommand.Redrive.class})
final class DlqCommand {
  private static final List<String> ERROR_HEADERS = List.of(ErrorHeaders.EXCEPTION, ErrorHeaders.EXCEPTION_MESSAGE,
      ErrorHeaders.EXCEPTION_STACKTRACE, ErrorHeaders.TOPIC, ErrorHeaders.PARTITION, ErrorHeaders.OFFSET,
      ErrorHeaders.STAGE, ErrorHeaders.REASON);

  /** The stage argument and where to find the broker. */
  static class Target {
    @CommandLine.Mixin Ragstream.KafkaOptions kafka = new Ragstream.KafkaOptions();

    @Parameters(index = "0", paramLabel = "STAGE", description = "extract | chunker | embedder | indexer")
    String stage;

    Topic<byte[], byte[]> topic() {
      Topic<byte[], byte[]> topic = Topics.DEAD_LETTERS.get(stage);
      if (topic == null) {
        throw new IllegalArgumentException("unknown stage '" + stage + "'; one of " + Topics.DEAD_LETTERS.keySet());
      }
      return topic;
    }

    /** Every record in the stage's DLQ, oldest first. */
    List<ConsumerRecord<byte[], byte[]>> readAll() {
      KafkaSettings settings = kafka.settings();
      Map<String, Object> props = settings.consumer("unused", "ragstream-dlq-cli", 500);
      props.remove(ConsumerConfig.GROUP_ID_CONFIG); // reading must not move any group's offsets
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
        String name = topic().name(settings.topicPrefix());
        List<TopicPartition> partitions = consumer.partitionsFor(name, Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(name, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
          consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
      }
      return records;
    }
  }

  @Command(name = "list", description = "One line per dead letter: offset, time, key, reason and message.")
  static final class ListDeadLetters implements Callable<Integer> {
    @CommandLine.Mixin Target target = new Target();

    @Override
    public Integer call() {
      List<ConsumerRecord<byte[], byte[]>> records = target.readAll();
      System.out.printf("%8s  %-24s  %-40s  %-14s  %s%n", "OFFSET", "TIME", "KEY", "REASON", "MESSAGE");
      for (ConsumerRecord<byte[], byte[]> r : records) {
        System.out.printf("%8d  %-24s  %-40s  %-14s  %s%n", r.offset(),
            java.time.Instant.ofEpochMilli(r.timestamp()), text(r.key()),
            orDash(DeadLetters.header(r.headers(), ErrorHeaders.REASON)),
            oneLine(DeadLetters.header(r.headers(), ErrorHeaders.EXCEPTION_MESSAGE)));
      }
      System.out.println(records.size() + " dead letter(s) in " + target.topic().name(target.kafka.prefix));
      return 0;
    }
  }

  @Command(name = "show", description = "Every header of one dead letter (stack trace included) and its value size.")
  static final class Show implements Callable<Integer> {
    @CommandLine.Mixin Target target = new Target();

    @Parameters(index = "1", paramLabel = "OFFSET") long offset;

    @Override
    public Integer call() {
      ConsumerRecord<byte[], byte[]> r = target.readAll().stream().filter(x -> x.offset() == offset).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no dead letter at offset " + offset));
      System.out.printf("offset     %d%ntime       %s%nkey        %s%nvalue      %s%n", r.offset(),
          java.time.Instant.ofEpochMilli(r.timestamp()), text(r.key()),
          r.value() == null ? "(null)" : r.value().length + " bytes");
      r.headers().forEach(h -> System.out.printf("%s: %s%n", h.key(),
          h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8)));
      return 0;
    }
  }

  @Command(name = "redrive", description = "Re-publish dead letters to the topic they were read from.")
  static final class Redrive implements Callable<Integer> {
    @CommandLine.Mixin Target target = new Target();

    @Option(names = "--offset", description = "only these DLQ offsets (default: all)", split = ",")
    List<Long> offsets;

    @Override
    public Integer call() {
      List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : target.readAll()) {
        if (offsets == null || offsets.contains(r.offset())) {
          out.add(redriven(r));
        }
      }
      KafkaSettings settings = target.kafka.settings();
      try (var producer = new CheckedProducer<byte[], byte[]>(
          new KafkaProducer<>(settings.producer("ragstream-dlq-redrive")), Duration.ofSeconds(60))) {
        producer.sendAll(out);
      }
      out.forEach(r -> System.out.println("redriven " + text(r.key()) + " -> " + r.topic()));
      System.out.println(out.size() + " record(s) re-published; the DLQ keeps its copies (it is an audit log)");
      return 0;
    }
  }

  /** The original record: its source topic from the error headers, the error headers themselves dropped. */
  static ProducerRecord<byte[], byte[]> redriven(ConsumerRecord<byte[], byte[]> dead) {
    String source = DeadLetters.header(dead.headers(), ErrorHeaders.TOPIC);
    if (source == null) {
      throw new IllegalArgumentException("dead letter at offset " + dead.offset() + " has no "
          + ErrorHeaders.TOPIC + " header: cannot tell where it came from");
    }
    Headers headers = new RecordHeaders(dead.headers().toArray());
    ERROR_HEADERS.forEach(headers::remove);
    return new ProducerRecord<>(source, null, dead.key(), dead.value(), headers);
  }

  private static String text(byte[] bytes) {
    return bytes == null ? "(null)" : new String(bytes, StandardCharsets.UTF_8);
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "-";
    }
    String line = s.replaceAll("\\s+", " ");
    return line.length() > 120 ? line.substring(0, 120) + "…" : line;
  }
}
