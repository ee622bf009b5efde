package io.ragstream.chunker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Properties;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chunker in registry mode with its registry down (a closed port): records it cannot read for that reason fail
 * the stream thread (to be replaced and retried) instead of going to the dead-letter topic with the poison.
 */
class RegistryOutageTopologyTest {
  private static final String PREFIX = Topics.DEFAULT_PREFIX;
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> documents;

  @BeforeEach
  void start() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    SerdeSettings down = SerdeSettings.registry(URI.create("http://127.0.0.1:" + port + "/apis/registry/v2"));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "chunker-outage-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG,
        System.getProperty("java.io.tmpdir") + "/chunker-outage-test-" + System.nanoTime());
    ChunkerApp.errorHandling(props, PREFIX); // the app's own handlers
    driver = new TopologyTestDriver(ChunkerTopology.build(PREFIX, down,
        new DocumentChunker(TopologyHarness.TOKENIZER, TopologyHarness.config(64, false)), new SimpleMeterRegistry()),
        props);
    documents = driver.createInputTopic(Topics.DOCUMENTS.name(PREFIX), Serdes.String().serializer(),
        Serdes.ByteArray().serializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void aRecordThatCannotBeDecodedGoesToTheDeadLetterTopic() {
    documents.pipeInput("doc-1", new byte[] {0x7f, 1, 2, 3, 4, 5});

    assertThat(driver.producedTopicNames()).contains(Topics.DLQ_CHUNKER.name(PREFIX))
        .doesNotContain(Topics.CHUNKS.name(PREFIX));
  }

  @Test
  void aRecordWhoseSchemaCannotBeFetchedFailsTheThreadInsteadOfBeingDropped() {
    byte[] confluentFramed = {0, 0, 0, 0, 7, 2, 'x'};

    assertThatThrownBy(() -> documents.pipeInput("doc-1", confluentFramed))
        .satisfies(e -> assertThat(ChunkerApp.onStreamThreadFailureResponseWithoutPause(e))
            .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD));
  }

  @Test
  void chunksThatCannotBeRegisteredFailTheThreadInsteadOfBeingDropped() {
    // A document from before the switch decodes without the registry; writing its chunks needs the registry.
    byte[] document = Topics.DOCUMENTS.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize(
        Topics.DOCUMENTS.name(PREFIX), TopologyHarness.doc("doc-1", "h1", TopologyHarness.para("Some text.")));

    assertThatThrownBy(() -> documents.pipeInput("doc-1", document))
        .satisfies(e -> assertThat(ChunkerApp.onStreamThreadFailureResponseWithoutPause(e))
            .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD));
  }

  @Test
  void otherFailuresStillShutTheClientDown() {
    assertThat(ChunkerApp.onStreamThreadFailureResponseWithoutPause(new IllegalStateException("bug")))
        .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    assertThat(ChunkerApp.onStreamThreadFailureResponseWithoutPause(
        new RuntimeException(new SerializationException("poison"))))
        .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
  }
}
