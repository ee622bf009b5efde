package io.ragstream.query.expand;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LlmQueryExpanderTest {
  @Test
  void stripsMarkersQuotesRepeatsAndTheOriginal() {
    String answer = """
        1. "kafka log compaction"
        - How does Kafka compaction work
        2) how does kafka compaction work

        * removing old keys from a topic
        extra line beyond the count""";

    assertThat(LlmQueryExpander.parse(answer, "Kafka log compaction", 3)).containsExactly(
        "How does Kafka compaction work", "removing old keys from a topic", "extra line beyond the count");
    assertThat(LlmQueryExpander.parse(answer, "x", 1)).isEqualTo(List.of("kafka log compaction"));
  }
}
