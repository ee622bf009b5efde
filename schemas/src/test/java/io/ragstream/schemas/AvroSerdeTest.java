package io.ragstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

  @Test
  void roundTripsARecordWithSingleObjectEncoding() {
    AvroSerde<IngestRequest> serde = AvroSerde.of(IngestRequest.class);
    IngestRequest request = IngestRequest.newBuilder()
        .setDocId("doc-1").setTenant("acme").setOperation(Operation.UPSERT).setContentType("text/plain")
        .setContent(ByteBuffer.wrap(new byte[] {1, 2, 3})).setMetadata(Map.of("lang", "en"))
        .setIngestedAt(java.time.Instant.ofEpochMilli(1234)).build();

    byte[] bytes = serde.serializer().serialize("t", request);

    assertThat(bytes[0]).isEqualTo((byte) 0xC3); // the single-object encoding marker
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(request);
  }

  @Test
  void tombstonesStayNull() {
    AvroSerde<Chunk> serde = AvroSerde.of(Chunk.class);
    assertThat(serde.serializer().serialize("t", null)).isNull();
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }

  @Test
  void bytesOfAnUnknownSchemaFailWithASerializationException() {
    AvroSerde<Chunk> chunks = AvroSerde.of(Chunk.class);
    byte[] ingestBytes = AvroSerde.of(IngestRequest.class).encode(IngestRequest.newBuilder()
        .setDocId("d").setIngestedAt(java.time.Instant.EPOCH).build());

    assertThatThrownBy(() -> chunks.decode(ingestBytes)).isInstanceOf(SerializationException.class)
        .hasMessageContaining("Chunk");
    assertThatThrownBy(() -> chunks.decode(new byte[] {1, 2, 3})).isInstanceOf(SerializationException.class);
  }

  @Test
  void chunkIdsAreContentDefinedAndPartitionByDocument() {
    String a = ChunkIds.chunkId("doc-1", "c1", "some text");
    assertThat(ChunkIds.chunkId("doc-1", "c1", "some text")).isEqualTo(a);
    assertThat(ChunkIds.chunkId("doc-1", "c1", "other text")).isNotEqualTo(a);
    assertThat(ChunkIds.chunkId("doc-1", "c2", "some text")).isNotEqualTo(a);
    assertThat(ChunkIds.chunkId("doc-2", "c1", "some text")).isNotEqualTo(a);
    String b = ChunkIds.chunkId("doc-1", "c1", "other text");
    for (int partitions : List.of(1, 3, 12)) {
      assertThat(ChunkIds.partition(a, partitions)).isEqualTo(ChunkIds.partition(b, partitions))
          .isBetween(0, partitions - 1);
    }
  }
}
