package io.ragstream.chunker;

import static io.ragstream.chunker.TopologyHarness.TOKENIZER;
import static io.ragstream.chunker.TopologyHarness.body;
import static io.ragstream.chunker.TopologyHarness.doc;
import static io.ragstream.chunker.TopologyHarness.para;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.avro.Chunk;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Prose through the topology: sentence boundaries, token sizes, overlap. */
class ProseTopologyTest {
  private final ChunkerConfig config = TopologyHarness.config(40, false);
  private final TopologyHarness harness = new TopologyHarness(config);

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void cutsOnlyBetweenSentencesAndRepeatsTheLastSentenceAsOverlap() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      text.append("Fact ").append(i).append(" is short. ");
    }
    List<Chunk> out = harness.chunk(doc("doc-p", "p", para(text.toString())));

    assertThat(out.size()).isGreaterThan(1);
    for (int i = 1; i < out.size(); i++) {
      String previousBody = body(out.get(i - 1));
      String context = out.get(i).getText().substring(0, out.get(i).getText().length() - body(out.get(i)).length());
      // the overlap is whole sentences from the end of the previous chunk
      assertThat(previousBody).endsWith(context.strip());
      assertThat(TOKENIZER.countTokens(context)).isBetween(1, config.text().overlapTokens());
    }
    assertThat(out).allSatisfy(c -> assertThat(body(c)).startsWith("Fact ").endsWith("is short."));
    assertThat(String.join(" ", out.stream().map(TopologyHarness::body).toList())).isEqualTo(text.toString().strip());
  }

  @Test
  void aSentenceLongerThanTheModelAcceptsIsTheOnlyThingCutInside() {
    StringBuilder words = new StringBuilder();
    for (int i = 0; i < 600; i++) {
      words.append("word").append(i).append(' ');
    }
    String sentence = words.toString().strip() + ".";
    List<Chunk> out = harness.chunk(doc("doc-w", "w", para(sentence)));

    assertThat(out).allSatisfy(c -> assertThat(c.getTokenCount()).isLessThanOrEqualTo(254));
    assertThat(String.join(" ", out.stream().map(TopologyHarness::body).toList()).split(" ")).hasSize(600);
  }
}
