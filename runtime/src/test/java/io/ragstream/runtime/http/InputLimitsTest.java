package io.ragstream.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InputLimitsTest {
  @Test
  void docIdsAreBoundedInBytesAndFreeOfControlCharacters() {
    assertThat(InputLimits.docId("a/b c.pdf")).isEqualTo("a/b c.pdf");
    assertThat(InputLimits.docId("x".repeat(512))).hasSize(512);
    assertThatThrownBy(() -> InputLimits.docId("x".repeat(513))).hasMessageContaining("513 bytes");
    // 171 three-byte characters are 513 bytes: the limit is on bytes, as Elasticsearch's _id
    assertThatThrownBy(() -> InputLimits.docId("€".repeat(171))).hasMessageContaining("513 bytes");
    assertThatThrownBy(() -> InputLimits.docId("a\nINFO forged log line")).hasMessageContaining("control")
        .hasMessageContaining("a\\nINFO");
    assertThatThrownBy(() -> InputLimits.docId(" ")).hasMessageContaining("blank");
    assertThatThrownBy(() -> InputLimits.docId(null)).hasMessageContaining("blank");
  }

  @Test
  void tenantsNamesAndQueriesAreBounded() {
    assertThat(InputLimits.tenant("acme")).isEqualTo("acme");
    assertThatThrownBy(() -> InputLimits.tenant("")).hasMessageContaining("blank");
    assertThatThrownBy(() -> InputLimits.tenant("a b")).hasMessageContaining("whitespace");
    assertThatThrownBy(() -> InputLimits.tenant("t".repeat(129))).hasMessageContaining("129");
    assertThat(InputLimits.name(null)).isNull();
    assertThatThrownBy(() -> InputLimits.name("n".repeat(1025))).hasMessageContaining("1025 bytes");
    assertThatThrownBy(() -> InputLimits.name("a\u001b[31mred")).hasMessageContaining("\\u001b");
    assertThat(InputLimits.query("q".repeat(4096))).hasSize(4096);
    assertThatThrownBy(() -> InputLimits.query("q".repeat(4097))).hasMessageContaining("4097");
  }

  @Test
  void metadataAndFiltersAreBoundedInCountKeysAndValues() {
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 33; i++) {
      many.put("k" + i, "v");
    }
    assertThatThrownBy(() -> InputLimits.filters(many)).hasMessageContaining("33 entries");
    assertThatThrownBy(() -> InputLimits.metadata(many)).hasMessageContaining("33 entries");
    many.remove("k0");
    assertThat(InputLimits.filters(many)).hasSize(32);
    assertThat(InputLimits.metadata(Map.of("team", "blue", "a:c-d_e", "x"))).hasSize(2);
    // a dot is a path in Qdrant's filters: not a key a client may set, though filters on chunk.kind are fine
    assertThatThrownBy(() -> InputLimits.metadata(Map.of("a.b", "x"))).hasMessageContaining("'a.b'");
    assertThat(InputLimits.filters(Map.of("chunk.kind", "code"))).hasSize(1);
    assertThatThrownBy(() -> InputLimits.metadata(Map.of("bad key", "x"))).hasMessageContaining("'bad key'");
    assertThatThrownBy(() -> InputLimits.metadata(Map.of("k", "v".repeat(1025)))).hasMessageContaining("1025");
    assertThatThrownBy(() -> InputLimits.metadata(Map.of("k", "a\u0000b"))).hasMessageContaining("control");
  }

  @Test
  void printableEscapesEveryControlCharacterAndCannotBeForged() {
    assertThat(InputLimits.printable("plain/id.pdf")).isEqualTo("plain/id.pdf");
    assertThat(InputLimits.printable("a\nb\r\tc\u001b[2J\u0000")).isEqualTo("a\\nb\\r\\tc\\u001b[2J\\u0000");
    // a literal backslash-n in an id prints differently from a line break
    assertThat(InputLimits.printable("a\\nb")).isEqualTo("a\\\\nb");
    assertThat(InputLimits.printable("line\u2028sep")).isEqualTo("line\\u2028sep");
    assertThat(InputLimits.printable(null)).isEqualTo("null");
  }
}
