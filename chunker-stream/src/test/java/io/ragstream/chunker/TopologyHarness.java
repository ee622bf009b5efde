package io.ragstream.chunker;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.embedding.HfModelTokenizer;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/** The chunker topology on a TopologyTestDriver with the real MiniLM tokenizer, and builders for documents. */
final class TopologyHarness implements AutoCloseable {
  static final String PREFIX = Topics.DEFAULT_PREFIX;
  /** One tokenizer for all tests: loading it is the slow part, and it is thread-safe. */
  static final HfModelTokenizer TOKENIZER = HfModelTokenizer.load(
      TopologyHarness.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json"), 256);

  final DocumentChunker chunker;
  final TopologyTestDriver driver;
  final TestInputTopic<String, ExtractedDocument> documents;
  final TestOutputTopic<String, Chunk> chunks;

  TopologyHarness(ChunkerConfig config) {
    chunker = new DocumentChunker(TOKENIZER, config);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "chunker-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG,
        System.getProperty("java.io.tmpdir") + "/chunker-test-" + System.nanoTime());
    props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
    driver = new TopologyTestDriver(
        ChunkerTopology.build(PREFIX, SerdeSettings.SINGLE_OBJECT, chunker, new SimpleMeterRegistry()), props);
    documents = driver.createInputTopic(Topics.DOCUMENTS.name(PREFIX), Serdes.String().serializer(),
        Topics.DOCUMENTS.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer());
    chunks = driver.createOutputTopic(Topics.CHUNKS.name(PREFIX), Serdes.String().deserializer(),
        Topics.CHUNKS.valueSerde(SerdeSettings.SINGLE_OBJECT).deserializer());
  }

  /** MiniLM's limits (256 with 2 special tokens), with every target set to {@code target}. */
  static ChunkerConfig config(int target, boolean headingPrefix) {
    return ChunkerConfig.forModel(256, 2).withTargetTokens(target).withHeadingPrefix(headingPrefix);
  }

  List<Chunk> chunk(ExtractedDocument doc) {
    documents.pipeInput(doc.getDocId(), doc);
    return chunks.readValuesToList();
  }

  @Override
  public void close() {
    driver.close();
  }

  static ExtractedDocument doc(String docId, String hash, Block... blocks) {
    return doc(docId, hash, null, null, List.of(blocks));
  }

  static ExtractedDocument doc(String docId, String hash, String title, String sourceName, List<Block> blocks) {
    return ExtractedDocument.newBuilder().setDocId(docId).setTenant("default").setContentHash(hash)
        .setTitle(title).setSourceName(sourceName).setVersion(1).setIngestedAt(Instant.EPOCH)
        .setMetadata(Map.of()).setBlocks(new ArrayList<>(blocks)).build();
  }

  static Block heading(int level, String text) {
    return Block.newBuilder().setKind(BlockKind.HEADING).setLevel(level).setText(text).build();
  }

  static Block para(String text) {
    return Block.newBuilder().setKind(BlockKind.PARAGRAPH).setText(text).build();
  }

  static Block item(String text) {
    return Block.newBuilder().setKind(BlockKind.LIST_ITEM).setLevel(1).setText(text).build();
  }

  static Block code(String text) {
    return Block.newBuilder().setKind(BlockKind.CODE).setText(text).build();
  }

  static Block table(List<List<String>> rows) {
    StringBuilder text = new StringBuilder();
    rows.forEach(r -> text.append(String.join("\t", r)).append('\n'));
    return Block.newBuilder().setKind(BlockKind.TABLE).setText(text.toString().strip()).setRows(rows).build();
  }

  /** A chunk's own text: what follows its heading prefix and repeated context. */
  static String body(Chunk chunk) {
    return chunk.getText().substring(Integer.parseInt(chunk.getMetadata().get(DocumentChunker.BODY_START)));
  }
}
