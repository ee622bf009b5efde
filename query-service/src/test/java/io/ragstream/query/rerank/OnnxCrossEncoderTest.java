package io.ragstream.query.rerank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real ONNX Runtime and tokenizer code path, on a generated model whose score (the sum of the pair's token ids)
 * the test can compute independently: proves pair encoding, padding, masking and output decoding, not ranking
 * quality (which needs real weights; see docs/QUERY.md).
 */
class OnnxCrossEncoderTest {
  @TempDir Path dir;

  @Test
  void scoresEachQueryPassagePairWithTheModel() throws IOException {
    writeModel();
    List<String> passages = List.of("short", "a much longer passage about zebras and the Serengeti", "zebra");

    try (OnnxCrossEncoder encoder = OnnxCrossEncoder.load(dir);
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
            Map.of("addSpecialTokens", "true", "truncation", "true", "padding", "false", "maxLength", "512"))) {
      float[] scores = encoder.score("where do zebras migrate?", passages);

      assertThat(scores).hasSize(3);
      for (int i = 0; i < passages.size(); i++) {
        long sum = 0;
        for (long id : tokenizer.encode("where do zebras migrate?", passages.get(i)).getIds()) {
          sum += id;
        }
        // padding of the shorter pairs is masked out, so each score is its own pair's sum
        assertThat(scores[i]).as(passages.get(i)).isEqualTo((float) sum);
      }
      assertThat(encoder.id()).startsWith("cross-encoder:");
    }
  }

  @Test
  void aDirectoryWithoutTheFilesIsAClearError() throws IOException {
    assertThatThrownBy(() -> OnnxCrossEncoder.load(dir)).hasMessageContaining("model.onnx");
    writeModel();
    Files.delete(dir.resolve("tokenizer.json"));
    assertThatThrownBy(() -> OnnxCrossEncoder.load(dir)).hasMessageContaining("tokenizer.json");
  }

  @Test
  void aModelWithoutTheClassifierInputsIsRejected() throws IOException {
    writeModel();
    Files.write(dir.resolve("model.onnx"), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> OnnxCrossEncoder.load(dir)).isInstanceOf(IOException.class)
        .hasMessageContaining("cannot load it as a cross-encoder");
  }

  private void writeModel() throws IOException {
    Files.write(dir.resolve("model.onnx"), TinyOnnx.tokenIdSumClassifier());
    try (InputStream tokenizer = getClass().getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
      assertThat(tokenizer).as("MiniLM tokenizer.json on the test classpath").isNotNull();
      Files.copy(tokenizer, dir.resolve("tokenizer.json"));
    }
  }
}
