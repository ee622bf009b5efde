package io.ragstream.chunker;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.embedding.HfModelTokenizer;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The topology's contract: sections, diffs against the previous version, tombstones, deletes, poison records. */
class ChunkerTopologyTest {
  private static final String PREFIX = TopologyHarness.PREFIX;
  private static final HfModelTokenizer tokenizer = TopologyHarness.TOKENIZER;

  private TopologyHarness harness;
  private TestInputTopic<String, ExtractedDocument> documents;
  private TestOutputTopic<String, Chunk> chunks;
  private DocumentChunker chunker;
  private TopologyTestDriver driver;

  @BeforeEach
  void startDriver() {
    harness = new TopologyHarness(TopologyHarness.config(64, false));
    chunker = harness.chunker;
    driver = harness.driver;
    documents = harness.documents;
    chunks = harness.chunks;
  }

  @AfterEach
  void closeDriver() {
    harness.close();
  }

  @Test
  void chunksNeverCrossASectionAndCarryTheirHeadingPath() {
    documents.pipeInput("doc-1", doc("doc-1", "h1",
        heading(1, "Guide"), para("Intro text about the guide and what it covers."),
        heading(2, "Install"), para("Run the installer with care and read its output."),
        heading(2, "Configure"), para("Edit the settings file before the first start."), heading(3, "Advanced"), para("Tune threads to the number of cores you have.")));

    List<Chunk> out = chunks.readValuesToList();

    assertThat(out).extracting(Chunk::getText).containsExactly("Intro text about the guide and what it covers.",
        "Run the installer with care and read its output.", "Edit the settings file before the first start.", "Tune threads to the number of cores you have.");
    assertThat(out).extracting(c -> String.join(" > ", c.getHeadings()))
        .containsExactly("Guide", "Guide > Install", "Guide > Configure", "Guide > Configure > Advanced");
    assertThat(out).extracting(Chunk::getOrdinal).containsExactly(0, 1, 2, 3);
  }

  @Test
  void anEditInsideOneSectionEmitsOnlyThatChunkAndATombstoneForTheOldOne() {
    documents.pipeInput("doc-1", doc("doc-1", "v1", heading(1, "A"), para("alpha text about the first topic of this document"), heading(1, "B"),
        para("beta text about the second topic of this document")));
    List<Chunk> first = chunks.readValuesToList();
    assertThat(first).hasSize(2);

    documents.pipeInput("doc-1", doc("doc-1", "v2", heading(1, "A"), para("alpha text about the first topic of this document"), heading(1, "B"),
        para("beta text about the second topic, edited this time")));
    List<TestRecord<String, Chunk>> second = chunks.readRecordsToList();

    assertThat(second).hasSize(2);
    assertThat(second.get(0).value().getText()).isEqualTo("beta text about the second topic, edited this time"); // the new chunk comes first
    assertThat(second.get(1).key()).isEqualTo(first.get(1).getChunkId());
    assertThat(second.get(1).value()).isNull();
    assertThat(new String(second.get(1).headers().lastHeader(ErrorHeaders.DOC_ID).value(), StandardCharsets.UTF_8))
        .isEqualTo("doc-1");
  }

  @Test
  void withDefaultsTheLaunchersMarkdownGivesOneChunkPerSectionAndAnEditReemitsOne() {
    // the launcher's PipelineIT relies on this: "# Notes / ## Alpha / para / ## Beta / para"
    try (TopologyHarness defaults = new TopologyHarness(ChunkerConfig.forModel(256, 2))) {
      List<Chunk> first = defaults.chunk(TopologyHarness.doc("md", "v1", "Notes", "notes.md", List.of(
          heading(1, "Notes"), heading(2, "Alpha"), para("Alpha section: the history of medieval castles in Scotland."),
          heading(2, "Beta"), para("Beta section: deep sea octopus camouflage."))));
      assertThat(first).extracting(Chunk::getText).containsExactly(
          "Notes › Alpha\n\nAlpha section: the history of medieval castles in Scotland.",
          "Notes › Beta\n\nBeta section: deep sea octopus camouflage.");

      List<Chunk> second = defaults.chunk(TopologyHarness.doc("md", "v2", "Notes", "notes.md", List.of(
          heading(1, "Notes"), heading(2, "Alpha"), para("Alpha section: the history of medieval castles in Scotland."),
          heading(2, "Beta"), para("Beta section: quantum computing with superconducting qubits."))));
      assertThat(second).hasSize(2); // the new chunk, then the old one's tombstone
      assertThat(second.get(0).getText()).endsWith("superconducting qubits.");
      assertThat(second.get(1)).isNull();
    }
  }

  @Test
  void republishingIdenticalContentEmitsNothing() {
    documents.pipeInput("doc-1", doc("doc-1", "same", para("unchanged text")));
    assertThat(chunks.readValuesToList()).hasSize(1);

    documents.pipeInput("doc-1", doc("doc-1", "same", para("unchanged text")));

    assertThat(chunks.isEmpty()).isTrue();
  }

  @Test
  void aMetadataOrTitleOnlyChangeReemitsEveryChunkWithTheSameIdsAndNoTombstones() {
    List<Block> blocks = List.of(heading(1, "A"), para("alpha text"), heading(1, "B"), para("beta text"));
    documents.pipeInput("doc-1", withMetadata(TopologyHarness.doc("doc-1", "red", null, null, blocks), Map.of("team", "red")));
    List<Chunk> red = chunks.readValuesToList();
    assertThat(red).isNotEmpty().allSatisfy(c -> assertThat(c.getMetadata()).containsEntry("team", "red"));

    // the extract stage's hash covers metadata, so a metadata change arrives as a new hash over the same blocks
    documents.pipeInput("doc-1", withMetadata(TopologyHarness.doc("doc-1", "blue", null, null, blocks), Map.of("team", "blue")));
    List<TestRecord<String, Chunk>> blue = chunks.readRecordsToList();
    assertThat(blue).extracting(TestRecord::key).containsExactlyElementsOf(red.stream().map(Chunk::getChunkId)
        .toList());
    assertThat(blue).allSatisfy(r -> assertThat(r.value().getMetadata()).containsEntry("team", "blue"));

    documents.pipeInput("doc-1", withMetadata(TopologyHarness.doc("doc-1", "titled", "New title", null, blocks),
        Map.of("team", "blue")));
    assertThat(chunks.readValuesToList()).hasSameSizeAs(red)
        .allSatisfy(c -> assertThat(c.getTitle()).isEqualTo("New title"));

    // and an identical re-publish after it is still a no-op
    documents.pipeInput("doc-1", withMetadata(TopologyHarness.doc("doc-1", "titled", "New title", null, blocks),
        Map.of("team", "blue")));
    assertThat(chunks.isEmpty()).isTrue();
  }

  @Test
  void anAclOnlyChangeReemitsEveryChunkWithTheNewAclAndTheSameIds() {
    List<Block> blocks = List.of(heading(1, "A"), para("alpha text"), heading(1, "B"), para("beta text"));
    documents.pipeInput("doc-1", withAcl(TopologyHarness.doc("doc-1", "eng", null, null, blocks), List.of("group:eng")));
    List<Chunk> eng = chunks.readValuesToList();
    assertThat(eng).isNotEmpty().allSatisfy(c -> assertThat(c.getAcl()).containsExactly("group:eng"));

    // the extract stage's hash covers the ACL, so an ACL change arrives as a new hash over the same blocks
    documents.pipeInput("doc-1", withAcl(TopologyHarness.doc("doc-1", "sales", null, null, blocks),
        List.of("group:sales")));
    List<TestRecord<String, Chunk>> sales = chunks.readRecordsToList();
    assertThat(sales).extracting(TestRecord::key).containsExactlyElementsOf(eng.stream().map(Chunk::getChunkId)
        .toList());
    assertThat(sales).allSatisfy(r -> assertThat(r.value().getAcl()).containsExactly("group:sales"));
  }

  @Test
  void theFingerprintCoversTheAclAsASetAndAnEmptyAclKeepsTheOldHash() {
    Map<String, String> meta = Map.of("team", "red");
    assertThat(io.ragstream.schemas.DocumentFingerprints.metadataHash("t", "s", meta, List.of()))
        .isEqualTo(io.ragstream.schemas.DocumentFingerprints.metadataHash("t", "s", meta));
    assertThat(io.ragstream.schemas.DocumentFingerprints.metadataHash("t", "s", meta, List.of("a", "b")))
        .isEqualTo(io.ragstream.schemas.DocumentFingerprints.metadataHash("t", "s", meta, List.of("b", "a")))
        .isNotEqualTo(io.ragstream.schemas.DocumentFingerprints.metadataHash("t", "s", meta, List.of("a")));
  }

  private static ExtractedDocument withAcl(ExtractedDocument doc, List<String> acl) {
    return ExtractedDocument.newBuilder(doc).setAcl(acl).build();
  }

  private static ExtractedDocument withMetadata(ExtractedDocument doc, Map<String, String> metadata) {
    return ExtractedDocument.newBuilder(doc).setMetadata(metadata).build();
  }

  @Test
  void aDeletedDocumentTombstonesEveryChunk() {
    documents.pipeInput("doc-1", doc("doc-1", "v1", heading(1, "A"), para("one"), heading(1, "B"), para("two")));
    List<String> ids = chunks.readValuesToList().stream().map(Chunk::getChunkId).toList();

    documents.pipeInput("doc-1", (ExtractedDocument) null);

    List<TestRecord<String, Chunk>> out = chunks.readRecordsToList();
    assertThat(out).extracting(TestRecord::key).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(out).allSatisfy(r -> assertThat(r.value()).isNull());
  }

  @Test
  void longTextIsSplitAtSentencesUnderTheTokenLimitAndLosesNoWords() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 120; i++) {
      text.append("Sentence number ").append(i).append(" talks about retrieval pipelines and chunking. ");
    }
    documents.pipeInput("doc-long", doc("doc-long", "long", para(text.toString())));

    List<Chunk> out = chunks.readValuesToList();

    assertThat(out.size()).isGreaterThan(5);
    assertThat(out).allSatisfy(c -> {
      assertThat(c.getTokenCount()).isLessThanOrEqualTo(chunker.config().maxTokens());
      assertThat(tokenizer.countTokens(c.getText())).isEqualTo(c.getTokenCount());
      assertThat(TopologyHarness.body(c)).endsWith("chunking."); // cut between sentences, never inside one
    });
    String joined = out.stream().map(TopologyHarness::body).collect(Collectors.joining(" "));
    assertThat(joined.split("\\s+")).containsExactly(text.toString().strip().split("\\s+"));
  }

  @Test
  void chunkIdsAreStableAcrossRunsAndDifferPerDocument() {
    ExtractedDocument a = doc("doc-a", "x", heading(1, "T"), para("shared text"));
    List<String> first = DocumentChunker.ids(chunker.chunk(a)).stream().toList();
    List<String> again = DocumentChunker.ids(
        new DocumentChunker(tokenizer, chunker.config()).chunk(a)).stream().toList();
    List<String> otherDoc = DocumentChunker.ids(chunker.chunk(doc("doc-b", "x", heading(1, "T"),
        para("shared text")))).stream().toList();

    assertThat(again).isEqualTo(first);
    assertThat(otherDoc).doesNotContainAnyElementsOf(first);
  }

  @Test
  void anUndecodableDocumentIsSkippedAndLaterDocumentsStillFlow() {
    // The dead-letter record itself is asserted against a real broker in the launcher's PipelineIT: TopologyTestDriver does not
    // produce KIP-1034 dead-letter records.
    TestInputTopic<String, byte[]> raw = driver.createInputTopic(Topics.DOCUMENTS.name(PREFIX),
        Serdes.String().serializer(), Serdes.ByteArray().serializer());

    raw.pipeInput("bad", new byte[] {1, 2, 3, 4});
    documents.pipeInput("doc-1", doc("doc-1", "ok", para("still flowing")));

    assertThat(chunks.readValuesToList()).extracting(Chunk::getText).containsExactly("still flowing");
  }

  private static ExtractedDocument doc(String docId, String hash, Block... blocks) {
    return TopologyHarness.doc(docId, hash, blocks);
  }

  private static Block heading(int level, String text) {
    return TopologyHarness.heading(level, text);
  }

  private static Block para(String text) {
    return TopologyHarness.para(text);
  }
}
