package io.ragstream.launcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.kafka.ScratchDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded stack ({@code ./ragstream up}: broker, every stage, the HTTP APIs) per test class, with its own data
 * directory, instead of each IT starting and stopping its own:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedStackExtension STACK = new EmbeddedStackExtension().withPublisher("pipeline-it");
 * }</pre>
 *
 * <p>Register it on a static field: the stack starts before the class's {@code @BeforeAll} methods (with
 * {@code StackConfig.defaults(dataDir).withEphemeralPorts()} and the process-wide {@link Metrics#registry()}) and,
 * after its {@code @AfterAll} methods, the publisher closes, then the stack, then the data directory is deleted.
 */
public final class EmbeddedStackExtension implements BeforeAllCallback, AfterAllCallback {
  private final String publisherClientId;
  private final Map<String, String> environment;

  private ScratchDirectory dataDir;
  private StackConfig config;
  private EmbeddedStack stack;
  private DocumentPublisher publisher;

  /** A stack reading {@code up}'s settings from this process's environment, without a publisher. */
  public EmbeddedStackExtension() {
    this(null, null);
  }

  private EmbeddedStackExtension(String publisherClientId, Map<String, String> environment) {
    this.publisherClientId = publisherClientId;
    this.environment = environment;
  }

  /** Also opens a {@link DocumentPublisher} on the stack's broker, with this client id. */
  public EmbeddedStackExtension withPublisher(String clientId) {
    return new EmbeddedStackExtension(Objects.requireNonNull(clientId, "clientId"), environment);
  }

  /** Starts the stack with this environment instead of the process's (API keys, as {@code up} reads them). */
  public EmbeddedStackExtension withEnvironment(Map<String, String> env) {
    return new EmbeddedStackExtension(publisherClientId, Map.copyOf(env));
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dataDir = ScratchDirectory.create("embedded-stack-");
    config = StackConfig.defaults(dataDir.path()).withEphemeralPorts();
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      stop();
    } finally {
      if (dataDir != null) {
        dataDir.close();
        dataDir = null;
      }
    }
  }

  /**
   * Stops the stack (and the publisher) and starts it again on the same data directory, with fresh ephemeral
   * ports; returns the new stack.
   */
  public EmbeddedStack restart() throws IOException {
    stop();
    start();
    return stack;
  }

  private void start() throws IOException {
    stack = environment == null ? EmbeddedStack.start(config, metrics())
        : EmbeddedStack.start(config, metrics(), environment);
    if (publisherClientId != null) {
      publisher = new DocumentPublisher(stack.kafkaSettings(), publisherClientId);
    }
  }

  private void stop() {
    try {
      if (publisher != null) {
        publisher.close();
      }
    } finally {
      publisher = null;
      if (stack != null) {
        stack.close();
        stack = null;
      }
    }
  }

  public EmbeddedStack stack() {
    return started(stack);
  }

  /** The publisher {@link #withPublisher} asked for. */
  public DocumentPublisher publisher() {
    if (publisherClientId == null) {
      throw new IllegalStateException("no publisher: register the extension withPublisher(clientId)");
    }
    return started(publisher);
  }

  /** The stack's data directory (broker log, index, state), deleted after the class. */
  public Path dataDir() {
    return started(dataDir).path();
  }

  /** The configuration the stack runs with. */
  public StackConfig config() {
    return started(config);
  }

  /** The registry the stack's meters are in: the process-wide one, as in {@code up}. */
  public MeterRegistry metrics() {
    return Metrics.registry();
  }

  private static <T> T started(T value) {
    if (value == null) {
      throw new IllegalStateException("no stack: register EmbeddedStackExtension on a static field");
    }
    return value;
  }
}
