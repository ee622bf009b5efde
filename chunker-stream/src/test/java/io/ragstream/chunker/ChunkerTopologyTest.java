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

class ChunkerTopologyTest {
  private static final String PREFIX = Topics.DEFAULT_PREFIX;
  private static HfModelTokenizer tokenizer;

  private TopologyTestDriver driver;
  private TestInputTopic<String, ExtractedDocument> documents;
  private TestOutputTopic<String, Chunk> chunks;
  private DocumentChunker chunker;

  @BeforeAll
  static void loadTokenizer() {
    tokenizer = HfModelTokenizer.load(
        ChunkerTopologyTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json"), 256);
  }

  @AfterAll
  static void closeTokenizer() {
    tokenizer.close();
  }

  @BeforeEach
  void startDriver() {
    chunker = new DocumentChunker(tokenizer, new ChunkerConfig(64, 254, "c1"));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "chunker-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/chunker-test-" + System.nanoTime());
    props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
    driver = new TopologyTestDriver(ChunkerTopology.build(PREFIX, chunker, new SimpleMeterRegistry()), props);
    documents = driver.createInputTopic(Topics.DOCUMENTS.name(PREFIX), Serdes.String().serializer(),
        Topics.DOCUMENTS.valueSerde().serializer());
    chunks = driver.createOutputTopic(Topics.CHUNKS.name(PREFIX), Serdes.String().deserializer(),
        Topics.CHUNKS.valueSerde().deserializer());
  }

  @AfterEach
  void closeDriver() {
    driver.close();
  }

  @Test
  void chunksNeverCrossASectionAndCarryTheirHeadingPath() {
    documents.pipeInput("doc-1", doc("doc-1", "h1",
        heading(1, "Guide"), para("Intro text about the guide."),
        heading(2, "Install"), para("Run the installer with care."),
        heading(2, "Configure"), para("Edit the settings file."), heading(3, "Advanced"), para("Tune threads.")));

    List<Chunk> out = chunks.readValuesToList();

    assertThat(out).extracting(Chunk::getText).containsExactly("Intro text about the guide.",
        "Run the installer with care.", "Edit the settings file.", "Tune threads.");
    assertThat(out).extracting(c -> String.join(" > ", c.getHeadings()))
        .containsExactly("Guide", "Guide > Install", "Guide > Configure", "Guide > Configure > Advanced");
    assertThat(out).extracting(Chunk::getOrdinal).containsExactly(0, 1, 2, 3);
  }

  @Test
  void anEditInsideOneSectionEmitsOnlyThatChunkAndATombstoneForTheOldOne() {
    documents.pipeInput("doc-1", doc("doc-1", "v1", heading(1, "A"), para("alpha text"), heading(1, "B"),
        para("beta text")));
    List<Chunk> first = chunks.readValuesToList();
    assertThat(first).hasSize(2);

    documents.pipeInput("doc-1", doc("doc-1", "v2", heading(1, "A"), para("alpha text"), heading(1, "B"),
        para("beta text, edited")));
    List<TestRecord<String, Chunk>> second = chunks.readRecordsToList();

    assertThat(second).hasSize(2);
    assertThat(second.get(0).value().getText()).isEqualTo("beta text, edited"); // the new chunk comes first
    assertThat(second.get(1).key()).isEqualTo(first.get(1).getChunkId());
    assertThat(second.get(1).value()).isNull();
    assertThat(new String(second.get(1).headers().lastHeader(ErrorHeaders.DOC_ID).value(), StandardCharsets.UTF_8))
        .isEqualTo("doc-1");
  }

  @Test
  void republishingIdenticalContentEmitsNothing() {
    documents.pipeInput("doc-1", doc("doc-1", "same", para("unchanged text")));
    assertThat(chunks.readValuesToList()).hasSize(1);

    documents.pipeInput("doc-1", doc("doc-1", "same", para("unchanged text")));

    assertThat(chunks.isEmpty()).isTrue();
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
      assertThat(c.getText()).endsWith("chunking."); // cut between sentences, never inside one
    });
    String joined = out.stream().map(Chunk::getText).collect(Collectors.joining(" "));
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
    return ExtractedDocument.newBuilder().setDocId(docId).setTenant("default").setContentHash(hash)
        .setVersion(1).setIngestedAt(Instant.EPOCH).setMetadata(Map.of()).setBlocks(new ArrayList<>(List.of(blocks)))
        .build();
  }

  private static Block heading(int level, String text) {
    return Block.newBuilder().setKind(BlockKind.HEADING).setLevel(level).setText(text).build();
  }

  private static Block para(String text) {
    return Block.newBuilder().setKind(BlockKind.PARAGRAPH).setText(text).build();
  }
}
