package io.ragstream.runtime.kafka;

import io.ragstream.schemas.ErrorHeaders;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds dead-letter records for the plain-consumer stages with the same header names Kafka Streams' DLQ uses, so
 * one tool reads and re-drives every stage's dead letters. The original key, value and headers are kept as they were.
 */
public final class DeadLetters {
  private DeadLetters() {}

  public static ProducerRecord<byte[], byte[]> of(String dlqTopic, String stage, String reason,
      ConsumerRecord<byte[], byte[]> original, Throwable error) {
    Headers headers = new RecordHeaders(original.headers().toArray());
    put(headers, ErrorHeaders.EXCEPTION, error.getClass().getName());
    put(headers, ErrorHeaders.EXCEPTION_MESSAGE, String.valueOf(error.getMessage()));
    put(headers, ErrorHeaders.EXCEPTION_STACKTRACE, stackTrace(error));
    put(headers, ErrorHeaders.TOPIC, original.topic());
    put(headers, ErrorHeaders.PARTITION, String.valueOf(original.partition()));
    put(headers, ErrorHeaders.OFFSET, String.valueOf(original.offset()));
    put(headers, ErrorHeaders.STAGE, stage);
    put(headers, ErrorHeaders.REASON, reason);
    return new ProducerRecord<>(dlqTopic, null, original.key(), original.value(), headers);
  }

  /** A header's value as text, or null when absent. */
  public static String header(Headers headers, String name) {
    var header = headers.lastHeader(name);
    return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static void put(Headers headers, String name, String value) {
    headers.remove(name);
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  private static String stackTrace(Throwable error) {
    StringWriter out = new StringWriter();
    error.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}
