package io.ragstream.runtime.kafka;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A stage's per-batch logic, with no Kafka client in it: records in, records out (results and dead letters). A
 * record it cannot process goes to its dead-letter topic in the output; throwing means "retry the whole batch later"
 * (a retriable failure, e.g. a store that is down), so only throw for failures that are not the record's fault.
 */
@FunctionalInterface
public interface BatchProcessor {
  List<ProducerRecord<byte[], byte[]>> process(List<ConsumerRecord<byte[], byte[]>> batch) throws Exception;
}
