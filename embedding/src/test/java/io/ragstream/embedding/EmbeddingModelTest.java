package io.ragstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmbeddingModelTest {

  private static final String EXAMPLE = "This is an example sentence";

  /**
   * First values of all-MiniLM-L6-v2's vector for {@link #EXAMPLE}, computed independently of this module by
   * langchain4j's own pipeline (AllMiniLmL6V2EmbeddingModel 1.19.0-beta29 with its ONNX Runtime 1.20.0 and DJL
   * tokenizers 0.36.0) in a throwaway project. They agree with sentence-transformers' published output for this
   * sentence (0.0677, 0.0635, 0.0487, 0.0793, 0.0374, ...).
   */
  private static final float[] GOLDEN_PREFIX = {0.067656904f, 0.063495964f, 0.048713088f, 0.07930498f, 0.03744802f};

  private static EmbeddingModel model;

  @BeforeAll
  static void load() {
    model = EmbeddingModels.load("all-minilm-l6-v2", OnnxOptions.defaults());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void exampleSentenceMatchesTheReferenceVector() {
    float[] v = model.embedQuery(EXAMPLE);

    assertThat(model.id()).isEqualTo("all-minilm-l6-v2");
    assertThat(model.dimension()).isEqualTo(384);
    assertThat(v).hasSize(384);
    for (int i = 0; i < GOLDEN_PREFIX.length; i++) {
      assertThat(v[i]).as("component %d", i).isCloseTo(GOLDEN_PREFIX[i], within(1e-4f));
    }
  }

  @Test
  void batchingAndPaddingDoNotChangeVectors() {
    List<String> texts =
        List.of(
            "Short.",
            EXAMPLE,
            "A considerably longer sentence that forces the others in its batch to be padded.",
            words(400));

    float[][] batch = model.embedAll(texts);

    assertThat(batch).hasNumberOfRows(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      float[] single = model.embedAll(List.of(texts.get(i)))[0];
      assertThat(batch[i]).as("text %d", i).containsExactly(single, within(1e-5f));
    }
  }

  @Test
  void vectorsHaveUnitLength() {
    for (float[] v : model.embedAll(List.of("one", EXAMPLE, words(50), "  "))) {
      assertThat(norm(v)).isCloseTo(1.0, within(1e-5));
    }
  }

  @Test
  void similarSentencesScoreHigherThanUnrelatedOnes() {
    float[][] v =
        model.embedAll(
            List.of(
                "The cat sits on the mat.",
                "A kitten is resting on the rug.",
                "Quarterly revenue grew by eight percent."));

    double similar = dot(v[0], v[1]);
    double unrelated = dot(v[0], v[2]);
    assertThat(similar).isGreaterThan(unrelated + 0.2);
  }

  @Test
  void emptyBatchGivesNoVectors() {
    assertThat(model.embedAll(List.of())).isEmpty();
  }

  @Test
  void inputsAreTruncatedAtMaxTokensNotAtTheTokenizerFilesLimit() {
    String text = words(1000);
    ModelTokenizer tokenizer = model.tokenizer();
    int room = model.maxTokens() - tokenizer.specialTokens();
    String fits = text.substring(0, tokenizer.prefixEnd(text, room));
    // the tokenizer.json in the jar truncates at 128; a vector equal to that prefix's would mean it still does
    String first128 = text.substring(0, tokenizer.prefixEnd(text, 128 - tokenizer.specialTokens()));

    float[][] v = model.embedAll(List.of(text, fits, first128));

    assertThat(tokenizer.countTokens(fits)).isEqualTo(room);
    assertThat(v[0]).containsExactly(v[1], within(1e-5f));
    assertThat(dot(v[0], v[2])).isLessThan(0.999);
  }

  @Test
  void concurrentCallersGetTheSameVectorsAsOneCaller() throws Exception {
    List<String> texts = IntStream.range(0, 8).mapToObj(i -> "sentence number " + i + " " + words(i * 10)).toList();
    float[][] expected = model.embedAll(texts);

    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> futures =
          texts.stream().map(t -> pool.submit(() -> model.embedAll(List.of(t))[0])).toList();
      for (int i = 0; i < texts.size(); i++) {
        assertThat(futures.get(i).get()).containsExactly(expected[i], within(1e-5f));
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void queryOptionsRunAtMostTwoThreadsWithoutSpinningAndGiveTheSameVectors() {
    OnnxOptions options = OnnxOptions.forQueries();
    assertThat(options.intraOpThreads())
        .isBetween(1, OnnxOptions.QUERY_THREADS)
        .isLessThanOrEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(options.spinning()).isFalse();
    assertThat(options.withIntraOpThreads(2).spinning()).isFalse(); // copies keep the setting
    try (EmbeddingModel q = EmbeddingModels.load("all-minilm-l6-v2", options)) {
      assertThat(q.embedQuery(EXAMPLE)).containsExactly(model.embedQuery(EXAMPLE), within(1e-5f));
    }
  }

  @Test
  void quantizedModelIsCloseToTheFullPrecisionOne() {
    try (EmbeddingModel q = EmbeddingModels.load("all-minilm-l6-v2-q", new OnnxOptions(1, 1, "all_opt"))) {
      float[] v = q.embedQuery(EXAMPLE);

      assertThat(q.id()).isEqualTo("all-minilm-l6-v2-q");
      assertThat(v).hasSize(384);
      assertThat(norm(v)).isCloseTo(1.0, within(1e-5));
      assertThat(dot(v, model.embedQuery(EXAMPLE))).isGreaterThan(0.95);
    }
  }

  @Test
  void tokenizerCountsWithoutSpecialTokensOrTruncation() {
    ModelTokenizer tokenizer = model.tokenizer();

    assertThat(tokenizer.specialTokens()).isEqualTo(2);
    assertThat(tokenizer.countTokens(EXAMPLE)).isEqualTo(5);
    assertThat(tokenizer.countTokens("")).isZero();
    assertThat(tokenizer.countTokens(words(1000))).isGreaterThanOrEqualTo(1000);
  }

  @Test
  void prefixEndCutsBetweenTokensInCharIndices() {
    ModelTokenizer tokenizer = model.tokenizer();
    // characters outside the BMP are two Java chars but one code point, which is what the native side counts
    String text = "😀 a 𝄞b café naïve 日本語 text";
    int total = tokenizer.countTokens(text);

    assertThat(tokenizer.prefixEnd(text, 4)).isEqualTo(text.indexOf("naïve"));
    for (int k = 0; k <= total; k++) {
      int end = tokenizer.prefixEnd(text, k);
      assertThat(tokenizer.countTokens(text.substring(0, end))).as("prefix of %d tokens", k).isEqualTo(k);
      assertThat(tokenizer.countTokens(text.substring(end))).as("rest after %d tokens", k).isEqualTo(total - k);
    }
    assertThat(tokenizer.prefixEnd(text, total)).isEqualTo(text.length());
  }

  @Test
  void defaultPrefixEndAgreesWithTheOffsetBasedOne() {
    ModelTokenizer tokenizer = model.tokenizer();
    ModelTokenizer countingOnly =
        new ModelTokenizer() {
          @Override
          public int countTokens(String text) {
            return tokenizer.countTokens(text);
          }

          @Override
          public int specialTokens() {
            return tokenizer.specialTokens();
          }
        };
    String text = "Tokenizers split unbelievably long words into pieces. " + words(30);

    for (int k = 0; k <= 20; k++) {
      int end = countingOnly.prefixEnd(text, k);
      assertThat(tokenizer.countTokens(text.substring(0, end))).as("prefix of %d tokens", k).isEqualTo(k);
    }
  }

  @Test
  void unknownModelIdIsRejectedWithTheKnownIds() {
    assertThatThrownBy(() -> EmbeddingModels.load("bert-huge", OnnxOptions.defaults()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bert-huge")
        .hasMessageContaining("all-minilm-l6-v2")
        .hasMessageContaining("all-minilm-l6-v2-q");
    assertThat(EmbeddingModels.known())
        .extracting(ModelSpec::id)
        .containsExactly("all-minilm-l6-v2", "all-minilm-l6-v2-q", "bge-small-en-v1.5", "bge-small-en-v1.5-q");
  }

  @ParameterizedTest
  @ValueSource(strings = {"bge-small-en-v1.5", "bge-small-en-v1.5-q"})
  void bgeSmallPoolsTheClsTokenAndInstructsQueries(String id) {
    ModelSpec bge = EmbeddingModels.spec(id);

    assertThat(bge.pooling()).isEqualTo(Pooling.CLS);
    assertThat(bge.maxTokens()).isEqualTo(512);
    assertThat(bge.queryInstruction()).isEqualTo("Represent this sentence for searching relevant passages: ");
    assertThat(EmbeddingModels.available(bge.id())).isTrue();
    try (EmbeddingModel m = EmbeddingModels.load(bge.id())) {
      float[] query = m.embedQuery("what do cats eat");
      float[][] passages = m.embedAll(List.of(
          "Cats are carnivores: they eat meat such as mice, birds and fish.",
          "The stock market closed higher on Tuesday after strong earnings."));
      assertThat(m.dimension()).isEqualTo(384);
      assertThat(query).hasSize(384);
      assertThat(dot(query, query)).isCloseTo(1.0, within(1e-4));
      // the instruction makes the query vector differ from the same text embedded as a passage
      assertThat(dot(query, m.embedAll(List.of("what do cats eat"))[0])).isLessThan(0.9999);
      assertThat(dot(query, passages[0])).isGreaterThan(dot(query, passages[1]) + 0.1);
    }
  }

  @Test
  void cudaRequestedWithoutAGpuFallsBackToTheCpuWithTheSameVectors() {
    OnnxOptions cuda = OnnxOptions.defaults().withProvider(ExecutionProvider.CUDA);
    try (OnnxEmbeddingModel gpu = EmbeddingModels.load("all-minilm-l6-v2", cuda)) {
      // this build ships the CPU-only onnxruntime artifact, so the switch must fall back, not fail
      assertThat(gpu.provider()).isEqualTo(ExecutionProvider.CPU);
      assertThat(gpu.embedQuery(EXAMPLE)).containsExactly(model.embedQuery(EXAMPLE), within(1e-5f));
    }
  }

  @Test
  void theInt8BgeStaysCloseToItsFp32Twin() {
    List<String> texts = List.of("Cats are carnivores: they eat meat such as mice, birds and fish.", EXAMPLE,
        "Vitamin D deficiency is associated with an increased risk of respiratory infections.");
    try (EmbeddingModel fp32 = EmbeddingModels.load("bge-small-en-v1.5");
        EmbeddingModel int8 = EmbeddingModels.load("bge-small-en-v1.5-q")) {
      float[][] a = fp32.embedAll(texts);
      float[][] b = int8.embedAll(texts);
      for (int i = 0; i < texts.size(); i++) {
        // quantisation moves a vector a little, never to another text's place
        assertThat(dot(a[i], b[i])).as(texts.get(i)).isGreaterThan(0.95);
        assertThat(dot(a[i], b[i])).isGreaterThan(dot(a[i], b[(i + 1) % texts.size()]));
      }
    }
  }

  @Test
  void cudaAskedForStrictlyWithoutAGpuFailsNamingTheReason() {
    OnnxOptions strict = OnnxOptions.defaults().withDevice("cuda-strict");
    assertThat(strict.provider()).isEqualTo(ExecutionProvider.CUDA);
    assertThat(strict.strictProvider()).isTrue();
    // the CPU-only onnxruntime artifact of this build has no CUDA provider: starting must fail, not run slowly
    assertThatThrownBy(() -> EmbeddingModels.load("all-minilm-l6-v2", strict))
        .isInstanceOf(EmbeddingException.class)
        .hasMessageContaining("cuda-strict")
        .hasMessageContaining("onnxruntime_gpu");
  }

  @Test
  void devicesParseCaseInsensitivelyAndUnknownOnesAreNamed() {
    assertThat(OnnxOptions.defaults().withDevice("CUDA").provider()).isEqualTo(ExecutionProvider.CUDA);
    assertThat(OnnxOptions.defaults().withDevice("CUDA").strictProvider()).isFalse();
    assertThat(OnnxOptions.defaults().withDevice("cuda").withDevice("cpu").provider())
        .isEqualTo(ExecutionProvider.CPU);
    assertThatThrownBy(() -> OnnxOptions.defaults().withDevice("tpu"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tpu")
        .hasMessageContaining("cuda-strict");
  }

  @Test
  void tokenizedBatchesGiveTheSameVectorsAsTexts() {
    OnnxEmbeddingModel onnx = (OnnxEmbeddingModel) model;
    List<String> texts = List.of("Short.", EXAMPLE, words(300));
    long[][] ids = onnx.tokenize(texts);

    assertThat(ids[0]).hasSize(2 + onnx.tokenizer().countTokens("Short."));
    assertThat(ids[2]).hasSize(model.maxTokens());
    float[][] fromIds = onnx.embedTokens(ids);
    for (int i = 0; i < texts.size(); i++) {
      assertThat(fromIds[i]).containsExactly(model.embedAll(List.of(texts.get(i)))[0], within(1e-5f));
    }
  }

  @Test
  void defaultThreadsAreThePhysicalCores() {
    assertThat(OnnxOptions.defaults().intraOpThreads())
        .isBetween(1, Runtime.getRuntime().availableProcessors());
    assertThat(OnnxOptions.defaults().provider()).isEqualTo(ExecutionProvider.CPU);
  }

  @Test
  void invalidOnnxOptionsAreRejected() {
    assertThat(OnnxOptions.defaults().interOpThreads()).isEqualTo(1);
    assertThat(OnnxOptions.defaults().optimization()).isEqualTo("ALL_OPT");
    assertThatThrownBy(() -> new OnnxOptions(0, 1, "ALL_OPT")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OnnxOptions(1, 0, "ALL_OPT")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OnnxOptions(1, 1, "fast"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ALL_OPT");
  }

  /** Distinct common English words, each a single token, so token counts are predictable. */
  private static String words(int count) {
    String[] vocab = {"river", "stone", "light", "music", "table", "garden", "winter", "market", "paper", "horse"};
    return IntStream.range(0, count).mapToObj(i -> vocab[i % vocab.length]).collect(Collectors.joining(" "));
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  private static double norm(float[] v) {
    return Math.sqrt(dot(v, v));
  }
}
