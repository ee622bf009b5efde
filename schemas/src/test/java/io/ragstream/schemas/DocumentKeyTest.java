package io.ragstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** The one encoding of (tenant, docId): round trips, keys written before tenants, partitions and tombstone headers. */
class DocumentKeyTest {

  @Test
  void everyTenantAndDocIdRoundTripsThroughItsKey() {
    for (String tenant : List.of("default", "acme", "t:1", "ünï", "a/b", "x".repeat(128))) {
      for (String docId : List.of("doc-1", "/abs/path with spaces.pdf", "a\u2028b", "acme", "", "tbl/42", "ä|=,")) {
        DocumentKey key = DocumentKey.of(tenant, docId);
        assertThat(DocumentKey.parse(key.encoded())).as("%s / %s", tenant, docId).isEqualTo(key);
        assertThat(DocumentKey.parse(key.bytes())).isEqualTo(key);
      }
    }
  }

  @Test
  void theSameDocIdInTwoTenantsHasTwoKeysAndNeitherIsTheOther() {
    String a = DocumentKey.encode("acme", "report");
    String b = DocumentKey.encode("globex", "report");
    String d = DocumentKey.encode("default", "report");
    assertThat(List.of(a, b, d)).doesNotHaveDuplicates();
    // a docId that spells another tenant's key cannot exist: the separator is refused in both parts
    assertThatThrownBy(() -> DocumentKey.of("default", "acme\u001Freport"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("docId");
    assertThatThrownBy(() -> DocumentKey.of("ac\u001Fme", "report")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DocumentKey.of("", "report")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theDefaultTenantKeepsTheKeyFormatFromBeforeTenantsAndALegacyKeyReadsAsTheDefaultTenant() {
    assertThat(DocumentKey.encode("default", "doc-1")).isEqualTo("doc-1");
    assertThat(DocumentKey.encode(null, "doc-1")).isEqualTo("doc-1");
    assertThat(DocumentKey.parse("doc-1")).isEqualTo(new DocumentKey("default", "doc-1"));
    assertThat(DocumentKey.isLegacy("doc-1")).isTrue();
    assertThat(DocumentKey.isLegacy(DocumentKey.encode("acme", "doc-1"))).isFalse();
    assertThat(DocumentKey.encode("acme", "doc-1")).isEqualTo("acme\u001Fdoc-1");
  }

  @Test
  void aDocumentsRecordsShareAPartitionWhateverTheKeyFormatAndLegacyKeysKeepKafkasDefault() {
    for (int partitions : new int[] {1, 3, 7, 64}) {
      for (String docId : List.of("doc-1", "/data/a.pdf", "tbl/42", "ünïcödé")) {
        byte[] legacy = docId.getBytes(StandardCharsets.UTF_8);
        int kafkaDefault = Utils.toPositive(Utils.murmur2(legacy)) % partitions;
        assertThat(DocumentKey.partition(legacy, partitions)).isEqualTo(kafkaDefault);
        assertThat(DocumentKey.partition(DocumentKey.of("acme", docId).bytes(), partitions)).isEqualTo(kafkaDefault);
        assertThat(DocumentKey.partition(DocumentKey.of("globex", docId).bytes(), partitions))
            .isEqualTo(kafkaDefault);
      }
    }
  }

  @Test
  void aTombstonesHeadersNameItsDocumentAndOldTombstonesReadAsTheDefaultTenant() {
    RecordHeaders headers = new RecordHeaders();
    DocumentKey.of("acme", "doc-1").addTo(headers);
    DocumentKey.of("acme", "doc-1").addTo(headers); // idempotent: one header each
    assertThat(headers.toArray()).hasSize(2);
    assertThat(DocumentKey.fromHeaders(headers)).isEqualTo(DocumentKey.of("acme", "doc-1"));
    assertThat(DocumentKey.tenantHeader(headers)).isEqualTo("acme");

    RecordHeaders old = new RecordHeaders();
    old.add(ErrorHeaders.DOC_ID, "doc-1".getBytes(StandardCharsets.UTF_8));
    assertThat(DocumentKey.fromHeaders(old)).isEqualTo(DocumentKey.of("default", "doc-1"));
    assertThat(DocumentKey.tenantHeader(old)).isNull();
    assertThat(DocumentKey.fromHeaders(new RecordHeaders())).isNull();
  }

  @Test
  void chunkIdsDifferPerTenantButKeepTheirDocumentsPartitionAndTheDefaultTenantsIdsAreUnchanged() {
    String acme = ChunkIds.chunkId(DocumentKey.of("acme", "doc-1"), "c1", "h\u0000same text");
    String globex = ChunkIds.chunkId(DocumentKey.of("globex", "doc-1"), "c1", "h\u0000same text");
    assertThat(acme).isNotEqualTo(globex);
    assertThat(ChunkIds.docDigest(acme)).isEqualTo(ChunkIds.docDigest(globex));
    // the formula the chunker used before DocumentKey existed: docId, then tenant NUL content
    assertThat(ChunkIds.chunkId(DocumentKey.of("default", "doc-1"), "c1", "h\u0000t"))
        .isEqualTo(ChunkIds.chunkId("doc-1", "c1", "default\u0000h\u0000t"));
  }

  @Test
  void displayIsPrintableAndNeverThrows() {
    assertThat(DocumentKey.display(DocumentKey.encode("acme", "a\nb"))).isEqualTo("acme/a\\u000ab");
    assertThat(DocumentKey.display("\u001Fx")).isEqualTo("/x");
    assertThat(DocumentKey.display(null)).isEqualTo("(null)");
    assertThat(DocumentKey.of("acme", "doc-1")).hasToString("acme/doc-1");
  }
}
