package io.ragstream.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.ingest.source.RecordMapping.MappingException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * What the registry decoder does before and without a registry: which bytes are the record's fault (dead letters),
 * and that a registry nobody answers at is an outage, never a record's fault. Decoding against a real registry is
 * {@code AvroTopicSourceIT}'s.
 */
class RegistryAvroDecoderTest {

  /** A registry URL on a port nothing listens on: connections are refused at once. */
  private static URI unreachableRegistry() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    return URI.create("http://127.0.0.1:" + port + "/apis/registry/v2");
  }

  @Test
  void bytesThatAreNotRegistryAvroAreTheRecordsFaultAndNeedNoRegistry() throws Exception {
    try (RegistryAvroDecoder decoder = new RegistryAvroDecoder(unreachableRegistry())) {
      for (byte[] value : new byte[][] {"{\"id\":1}".getBytes(StandardCharsets.UTF_8), {0, 0, 1}, {}}) {
        assertThatThrownBy(() -> decoder.value("t", new RecordHeaders(), value))
            .isInstanceOfSatisfying(MappingException.class, e -> assertThat(e.reason()).isEqualTo("undecodable"))
            .hasMessageContaining("not registry Avro");
      }
    }
  }

  @Test
  void aTombstoneStaysATombstoneAndAPlainKeyStaysAsItIs() throws Exception {
    try (RegistryAvroDecoder decoder = new RegistryAvroDecoder(unreachableRegistry())) {
      assertThat(decoder.value("t", new RecordHeaders(), null)).isNull();
      assertThat(decoder.key("t", new RecordHeaders(), null)).isNull();
      byte[] plain = "{\"id\":42}".getBytes(StandardCharsets.UTF_8);
      assertThat(decoder.key("t", new RecordHeaders(), plain)).isEqualTo(plain);
    }
  }

  @Test
  void aRegistryThatDoesNotAnswerIsAnOutageNotADeadLetter() throws Exception {
    // the Confluent framing with schema id 7: the decoder must ask the registry
    byte[] framed = {0, 0, 0, 0, 7, 2, 'x'};
    try (RegistryAvroDecoder decoder = new RegistryAvroDecoder(unreachableRegistry())) {
      assertThatThrownBy(() -> decoder.value("t", new RecordHeaders(), framed))
          .isInstanceOf(RegistryAvroDecoder.RegistryUnavailableException.class)
          .hasMessageContaining(decoder.registryUrl().toString());
      assertThatThrownBy(() -> decoder.key("t", new RecordHeaders(), framed))
          .isInstanceOf(RegistryAvroDecoder.RegistryUnavailableException.class);
    }
  }

  @Test
  void failuresAreTheRegistrysOnlyWhereItCouldNotBeAsked() {
    assertThat(RegistryAvroDecoder.registryUnavailable(new IllegalStateException("x",
        new ConnectException("refused")))).isTrue();
    assertThat(RegistryAvroDecoder.registryUnavailable(new IllegalStateException("Unknown magic byte!"))).isFalse();
    assertThat(RegistryAvroDecoder.registryUnavailable(new org.apache.avro.AvroRuntimeException("bad data")))
        .isFalse();
  }

  @Test
  void theRegistryUrlIsValidatedAsRegistryModesIs() {
    assertThatThrownBy(() -> new RegistryAvroDecoder(URI.create("http://registry:8080/apis/ccompat/v7")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v2");
    assertThatThrownBy(() -> new RegistryAvroDecoder(URI.create("ftp://registry/apis/registry/v2")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http");
  }
}
