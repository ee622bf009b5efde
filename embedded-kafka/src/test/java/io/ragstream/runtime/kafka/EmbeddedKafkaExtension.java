package io.ragstream.runtime.kafka;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-JVM KRaft broker ({@link EmbeddedKafka}) per test class, instead of each IT starting and stopping its own:
 *
 * <pre>{@code
 * @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
 * ... KAFKA.bootstrapServers() ...
 * }</pre>
 *
 * <p>Register it on a static field: the broker starts before the class's {@code @BeforeAll} methods and stops after
 * its {@code @AfterAll} methods, so those may use it. Its log lives in a temporary directory of its own, deleted
 * after the broker stops.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {
  private ScratchDirectory dataDir;
  private EmbeddedKafka kafka;

  @Override
  public void beforeAll(ExtensionContext context) {
    dataDir = ScratchDirectory.create("embedded-kafka-");
    kafka = EmbeddedKafka.start(dataDir.path(), 0);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      if (kafka != null) {
        kafka.close();
      }
    } finally {
      kafka = null;
      if (dataDir != null) {
        dataDir.close();
        dataDir = null;
      }
    }
  }

  /** The running broker; fails outside the class's lifecycle (an instance-field registration never starts one). */
  public EmbeddedKafka kafka() {
    if (kafka == null) {
      throw new IllegalStateException("no broker: register EmbeddedKafkaExtension on a static field");
    }
    return kafka;
  }

  public String bootstrapServers() {
    return kafka().bootstrapServers();
  }
}
