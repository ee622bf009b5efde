package io.ragstream.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.ingest.source.RecordMapping.Format;
import io.ragstream.ingest.source.RecordMapping.MappingException;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecordMappingTest {
  private static final RecordMapping TICKETS = RecordMapping.parse(
      "id=$.id,text=$.body,title=$.title,meta.region=$.region", Format.JSON, "acme", "tickets");

  @Test
  void aJsonRecordBecomesADocumentWithTitleTextAndMetadata() throws Exception {
    IngestRequest request = TICKETS.map(bytes("k"),
        bytes("{\"id\":17,\"title\":\"Boiler <noise>\",\"body\":\"The boiler rattles at night.\",\"region\":\"eu\"}"));

    assertThat(request.getOperation()).isEqualTo(Operation.UPSERT);
    assertThat(request.getDocId()).isEqualTo("17");
    assertThat(request.getTenant()).isEqualTo("acme");
    assertThat(request.getContentType()).isEqualTo("text/html");
    assertThat(request.getMetadata()).containsEntry("region", "eu").containsEntry("sourceTopic", "tickets");
    assertThat(StandardCharsets.UTF_8.decode(request.getContent()).toString())
        .contains("<title>Boiler &lt;noise&gt;</title>", "<p>The boiler rattles at night.</p>");
  }

  @Test
  void aTombstoneDeletesTheDocumentItsKeyNames() throws Exception {
    assertThat(TICKETS.map(bytes("{\"id\":17}"), (byte[]) null)).satisfies(r -> {
      assertThat(r.getOperation()).isEqualTo(Operation.DELETE);
      assertThat(r.getDocId()).as("the id path applied to a JSON key").isEqualTo("17");
    });
    assertThat(TICKETS.map(bytes("plain-42"), (byte[]) null).getDocId()).isEqualTo("plain-42");
  }

  @Test
  void aDebeziumTombstoneDeletesTheRowItsEnvelopesAddressed() throws Exception {
    RecordMapping envelopes = RecordMapping.parse("id=$.after.id,text=$.after.body", Format.JSON, null, "t");
    byte[] key = bytes("{\"id\":42}");

    assertThat(envelopes.map(key, bytes("{\"after\":{\"id\":42,\"body\":\"x\"},\"op\":\"c\"}")).getDocId())
        .isEqualTo("42");
    assertThat(envelopes.map(key, (byte[]) null).getDocId()).as("the key's field named like the path's last")
        .isEqualTo("42");
    assertThat(envelopes.map(bytes("{\"row\":42}"), (byte[]) null).getDocId()).as("no such field: the key's text")
        .isEqualTo("{\"row\":42}");
  }

  @Test
  void withoutAnIdPathTheKeyIsTheId() throws Exception {
    RecordMapping byKey = RecordMapping.parse("text=$.body", Format.JSON, null, "t");
    assertThat(byKey.map(bytes("row-9"), bytes("{\"body\":\"x\"}")).getDocId()).isEqualTo("row-9");
  }

  @Test
  void badRecordsSayWhatIsWrong() {
    assertThatThrownBy(() -> TICKETS.map(bytes("k"), bytes("{not json")))
        .isInstanceOfSatisfying(MappingException.class, e -> assertThat(e.reason()).isEqualTo("undecodable"));
    assertThatThrownBy(() -> TICKETS.map(bytes("k"), bytes("{\"id\":1,\"title\":\"no body\"}")))
        .isInstanceOfSatisfying(MappingException.class, e -> assertThat(e.reason()).isEqualTo("missing_text"))
        .hasMessageContaining("$['body']");
    assertThatThrownBy(() -> TICKETS.map(null, bytes("{\"body\":\"no id, no key\"}")))
        .isInstanceOfSatisfying(MappingException.class, e -> assertThat(e.reason()).isEqualTo("missing_id"));
    assertThatThrownBy(() -> TICKETS.map(null, (byte[]) null))
        .isInstanceOfSatisfying(MappingException.class, e -> assertThat(e.reason()).isEqualTo("missing_key"));
  }

  @Test
  void stringRecordsAreTheirOwnText() throws Exception {
    RecordMapping strings = RecordMapping.parse("", Format.STRING, null, "notes");
    IngestRequest request = strings.map(bytes("note-1"), bytes("Buy more lamp oil."));
    assertThat(request.getDocId()).isEqualTo("note-1");
    assertThat(StandardCharsets.UTF_8.decode(request.getContent()).toString()).contains("Buy more lamp oil.");
  }

  @Test
  void aBadMappingIsRefusedBeforeAnythingIsConsumed() {
    assertThatThrownBy(() -> RecordMapping.parse("id=$.id", Format.JSON, null, "t"))
        .hasMessageContaining("must name the text");
    assertThatThrownBy(() -> RecordMapping.parse("text=$.body,colour=$.c", Format.JSON, null, "t"))
        .hasMessageContaining("unknown field 'colour'");
    assertThatThrownBy(() -> RecordMapping.parse("text=$.[[", Format.JSON, null, "t"))
        .hasMessageContaining("not a JSONPath");
    assertThat(Format.parse(" Avro ")).isEqualTo(Format.AVRO);
    assertThatThrownBy(() -> Format.parse("protobuf")).hasMessageContaining("json, avro or string");
    assertThatThrownBy(() -> RecordMapping.parse("id=$.id", Format.AVRO, null, "t"))
        .hasMessageContaining("text of an Avro record");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
