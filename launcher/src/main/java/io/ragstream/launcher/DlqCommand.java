package io.ragstream.launcher;

import io.ragstream.runtime.http.InputLimits;
import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.Topic;
import io.ragstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code ragstream dlq list|show|redrive STAGE}: every stage's dead letters carry the same headers (Kafka Streams'
 * KIP-1034 names), so one tool reads all of them. Re-driving publishes the original key, value and headers (minus
 * the error headers) to the stage's input topic, after the cause was fixed, unless a newer record of the same key
 * (a newer version or a delete) followed it there: re-publishing the old one would undo that.
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

    @Option(names = "--tenant", description = "only the dead letters of this tenant's documents (default: all)")
    String tenant;

    RecordIdentity identity() {
      KafkaSettings settings = kafka.settings();
      return new RecordIdentity(settings.topicPrefix(), settings.serdes());
    }

    Topic<byte[], byte[]> topic() {
      Topic<byte[], byte[]> topic = Topics.DEAD_LETTERS.get(stage);
      if (topic == null) {
        throw new IllegalArgumentException("unknown stage '" + stage + "'; one of " + Topics.DEAD_LETTERS.keySet());
      }
      return topic;
    }

    /** Every record in the stage's DLQ, oldest first; with {@code --tenant}, only that tenant's. */
    List<ConsumerRecord<byte[], byte[]>> readAll() {
      List<ConsumerRecord<byte[], byte[]>> all = readTopic();
      if (tenant == null) {
        return all;
      }
      InputLimits.tenant(tenant);
      RecordIdentity identity = identity();
      return all.stream().filter(r -> tenant.equals(identity.tenantOf(DeadLetters.header(r.headers(),
          ErrorHeaders.TOPIC), r.key(), r.value(), r.headers()))).toList();
    }

    private List<ConsumerRecord<byte[], byte[]>> readTopic() {
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
      // every header escaped: a stack trace keeps its line breaks as \n, a hostile value cannot drive the terminal
      r.headers().forEach(h -> System.out.printf("%s: %s%n", InputLimits.printable(h.key()),
          h.value() == null ? "" : InputLimits.printable(new String(h.value(), StandardCharsets.UTF_8))));
      return 0;
    }
  }

  @Command(name = "redrive", description = "Re-publish dead letters to the stage's input topic, skipping those"
      + " superseded by a newer version or a delete of the same key.")
  static final class Redrive implements Callable<Integer> {
    @CommandLine.Mixin Target target = new Target();

    @Option(names = "--offset", description = "only these DLQ offsets (default: all)", split = ",")
    List<Long> offsets;

    @Override
    public Integer call() {
      target.topic(); // an unknown stage is named before anything is read
      KafkaSettings settings = target.kafka.settings();
      String input = INPUTS.get(target.stage).name(settings.topicPrefix());
      List<ConsumerRecord<byte[], byte[]>> chosen = target.readAll().stream()
          .filter(r -> offsets == null || offsets.contains(r.offset())).toList();
      List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
      RecordIdentity identity = target.identity();
      Map<TopicPartition, Map<String, Long>> latest = latestOffsets(settings, input, chosen, identity);
      int skipped = 0;
      for (ConsumerRecord<byte[], byte[]> r : chosen) {
        Optional<String> why = skipReason(r, input, latest, identity);
        if (why.isPresent()) {
          skipped++;
          System.out.println("skipped " + text(r.key()) + " (DLQ offset " + r.offset() + "): " + why.get());
        } else {
          out.add(redriven(r));
        }
      }
      try (var producer = new CheckedProducer<byte[], byte[]>(
          new KafkaProducer<>(settings.producer("ragstream-dlq-redrive")), Duration.ofSeconds(60))) {
        producer.sendAll(out);
      }
      out.forEach(r -> System.out.println("redriven " + text(r.key()) + " -> " + r.topic()));
      System.out.println(out.size() + " record(s) re-published, " + skipped + " skipped; the DLQ keeps its copies"
          + " (it is an audit log)");
      return 0;
    }
  }

  /** Each stage's own input topic: the only topic its dead letters may be re-published to. */
  static final Map<String, Topic<?, ?>> INPUTS = Map.of("extract", Topics.INGEST, "chunker", Topics.DOCUMENTS,
      "embedder", Topics.CHUNKS, "indexer", Topics.EMBEDDINGS);

  /**
   * Why a dead letter must not be re-published, if it must not: its source is not the stage's input topic (a forged
   * or foreign header would otherwise let redrive write anywhere), or the input topic holds a later record of the
   * same document (a newer version or a delete, which re-publishing the old record would undo). "Same" is by {@link
   * RecordIdentity}: (tenant, docId) for document-keyed inputs, so another tenant's record of the same docId never
   * supersedes it, and one under the other key format (docId alone, before tenant-scoped keys) does.
   */
  static Optional<String> skipReason(ConsumerRecord<byte[], byte[]> dead, String input,
      Map<TopicPartition, Map<String, Long>> latest, RecordIdentity identity) {
    String source = DeadLetters.header(dead.headers(), ErrorHeaders.TOPIC);
    if (!input.equals(source)) {
      return Optional.of("its source topic " + (source == null ? "(none)" : "'" + InputLimits.printable(source) + "'")
          + " is not the stage's input topic " + input);
    }
    Optional<TopicPartition> partition = sourcePartition(dead, input);
    if (partition.isEmpty()) {
      return Optional.of("no valid source partition/offset headers");
    }
    long offset = Long.parseLong(DeadLetters.header(dead.headers(), ErrorHeaders.OFFSET));
    String document = identity.of(input, dead.key(), dead.value(), dead.headers());
    Long newest = document == null ? null : latest.getOrDefault(partition.get(), Map.of()).get(document);
    if (newest != null && newest > offset) {
      return Optional.of("superseded by a newer version or a delete at " + partition.get() + " offset " + newest);
    }
    return Optional.empty();
  }

  /**
   * For each source partition of the dead letters: the last offset of each document (its {@link RecordIdentity})
   * after the oldest dead letter. A document's records share a partition whatever their key format.
   */
  private static Map<TopicPartition, Map<String, Long>> latestOffsets(KafkaSettings settings, String input,
      List<ConsumerRecord<byte[], byte[]>> dead, RecordIdentity identity) {
    Map<TopicPartition, Long> from = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : dead) {
      sourcePartition(r, input).ifPresent(tp -> from.merge(tp,
          Long.parseLong(DeadLetters.header(r.headers(), ErrorHeaders.OFFSET)) + 1, Math::min));
    }
    Map<TopicPartition, Map<String, Long>> latest = new HashMap<>();
    if (from.isEmpty()) {
      return latest;
    }
    Map<String, Object> props = settings.consumer("unused", "ragstream-dlq-cli", 500);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG); // reading must not move any group's offsets
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = List.copyOf(from.keySet());
      consumer.assign(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      partitions.forEach(tp -> consumer.seek(tp, Math.min(from.get(tp), ends.get(tp))));
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          String document = identity.of(r.topic(), r.key(), r.value(), r.headers());
          if (document != null && r.offset() < ends.get(new TopicPartition(r.topic(), r.partition()))) {
            latest.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), tp -> new HashMap<>())
                .put(document, r.offset());
          }
        }
      }
    }
    return latest;
  }

  private static Optional<TopicPartition> sourcePartition(ConsumerRecord<byte[], byte[]> dead, String input) {
    try {
      int partition = Integer.parseInt(DeadLetters.header(dead.headers(), ErrorHeaders.PARTITION));
      Long.parseLong(DeadLetters.header(dead.headers(), ErrorHeaders.OFFSET));
      return Optional.of(new TopicPartition(input, partition));
    } catch (NumberFormatException e) { // absent (null) or garbage
      return Optional.empty();
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

  /** A key as printable text: control characters escaped, so a hostile id cannot forge lines or drive the terminal. */
  static String text(byte[] bytes) {
    if (bytes == null) {
      return "(null)";
    }
    // a document key with a tenant part reads tenant/docId (its separator is a control character)
    String key = new String(bytes, StandardCharsets.UTF_8);
    int sep = key.indexOf(DocumentKey.SEPARATOR);
    return sep < 0 ? InputLimits.printable(key)
        : InputLimits.printable(key.substring(0, sep)) + "/" + InputLimits.printable(key.substring(sep + 1));
  }

  private static String orDash(String s) {
    return s == null ? "-" : InputLimits.printable(s);
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "-";
    }
    String line = InputLimits.printable(s.replaceAll("[ \\t\\r\\n]+", " "));
    return line.length() > 120 ? line.substring(0, 120) + "…" : line;
  }
}
