package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.chunker.ChunkerStageConfig;
import io.ragstream.embedder.EmbedderConfig;
import io.ragstream.embedder.EmbedderStageConfig;
import io.ragstream.embedding.ExecutionProvider;
import io.ragstream.indexer.IndexerConfig;
import io.ragstream.ingest.ExtractConfig;
import io.ragstream.ingest.IngestConfig;
import io.ragstream.query.Fusion;
import io.ragstream.query.QueryConfig;
import io.ragstream.query.StatusConfig;
import io.ragstream.query.cache.QueryCacheSettings;
import io.ragstream.runtime.config.Setting;
import io.ragstream.runtime.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Each stage's typed config: defaults, variables over defaults, flags over variables, errors that name the value. */
class StageConfigTest {
  static List<String> stages() {
    return StageCatalog.NAMES;
  }

  private static Object config(String stage, Map<String, String> flags, Map<String, String> env) {
    return StageCatalog.config(stage, StageCatalog.resolve(stage, flags, env), env);
  }

  private static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  @ParameterizedTest
  @MethodSource("stages")
  void everyStageStartsFromDefaultsAlone(String stage) {
    assertThat(config(stage, Map.of(), Map.of())).isNotNull();
  }

  @ParameterizedTest
  @MethodSource("stages")
  void everyStageRefusesAnInvalidValueOfItsPortNamingTheVariable(String stage) {
    String variable = Setting.variable(stage + ".port");
    assertThatThrownBy(() -> config(stage, Map.of(), env(variable, "eighty")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(variable).hasMessageContaining("eighty");
  }

  @ParameterizedTest
  @MethodSource("stages")
  void everyStageRefusesAnUnknownRagstreamVariable(String stage) {
    assertThatThrownBy(() -> ConfigCommand.print(new PrintStream(new ByteArrayOutputStream()), List.of(stage),
        new StageOptions(), env("RAGSTREAM_EMBEDER_MAX_BATCH_TOKENS", "10")))
        .hasMessageContaining("RAGSTREAM_EMBEDER_MAX_BATCH_TOKENS");
  }

  @Test
  void everyVariableTheDeploymentFilesAndTheCodeUseIsKnown() {
    List<String> used = List.of("RAGSTREAM_BOOTSTRAP", "RAGSTREAM_STORE", "RAGSTREAM_QDRANT_HOST",
        "RAGSTREAM_QDRANT_PORT", "RAGSTREAM_QDRANT_TLS", "RAGSTREAM_QDRANT_API_KEY", "RAGSTREAM_ELASTICSEARCH_URL",
        "RAGSTREAM_ELASTICSEARCH_API_KEY", "RAGSTREAM_SCHEMA_REGISTRY_URL", "RAGSTREAM_SCHEMA_REGISTRY_AUTO_REGISTER",
        "RAGSTREAM_QUERY_CACHE", "RAGSTREAM_QUERY_CACHE_TTL", "RAGSTREAM_QUERY_CACHE_MAX_ENTRIES",
        "RAGSTREAM_QUERY_CACHE_PREFIX", "RAGSTREAM_REDIS_URI", "RAGSTREAM_RERANKER_MODEL", "RAGSTREAM_LLM_BASE_URL",
        "RAGSTREAM_LLM_MODEL", "RAGSTREAM_LLM_API_KEY", "RAGSTREAM_LLM_TIMEOUT", "RAGSTREAM_LLM_CONTEXT_TOKENS",
        "RAGSTREAM_EXPANSION_QUERIES", "RAGSTREAM_EXPANSION_TIMEOUT", "RAGSTREAM_EXPERIMENTS_FILE",
        "RAGSTREAM_API_KEYS", "RAGSTREAM_API_KEYS_FILE", "RAGSTREAM_INSTANCE", "RAGSTREAM_CHUNKER_HEADING_PREFIX",
        "RAGSTREAM_CHUNKER_TEXT_TARGET_TOKENS", "RAGSTREAM_JVM_OPTS", "RAGSTREAM_IMAGE",
        "RAGSTREAM_KAFKA_CONFIG_FILE", "RAGSTREAM_KAFKA_SECURITY_PROTOCOL");
    Map<String, String> env = new HashMap<>();
    used.forEach(v -> env.put(v, "x"));
    StageCatalog.rejectUnknownVariables(env); // names only: no value is parsed here
  }

  @Test
  void everyVariableOfTheComposeFileAndTheKubernetesManifestsIsKnown() throws Exception {
    java.util.regex.Pattern variable = java.util.regex.Pattern.compile("RAGSTREAM_[A-Z0-9_]*[A-Z0-9]");
    Map<String, String> env = new HashMap<>();
    List<Path> files = new java.util.ArrayList<>(List.of(Path.of("..", "docker-compose.yml")));
    try (var manifests = java.nio.file.Files.list(Path.of("..", "deploy", "k8s"))) {
      manifests.filter(f -> f.toString().endsWith(".yaml")).forEach(files::add);
    }
    for (Path file : files) {
      variable.matcher(java.nio.file.Files.readString(file)).results().forEach(m -> env.put(m.group(), "x"));
    }
    assertThat(env).containsKeys("RAGSTREAM_STORE", "RAGSTREAM_QUERY_CACHE");
    StageCatalog.rejectUnknownVariables(env);
  }

  @Test
  void fileRootsAndOcrReachTheExtractStageFromItsSettingsNotTheProcessEnvironment(@org.junit.jupiter.api.io.TempDir
      Path roots) throws Exception {
    ExtractConfig c = (ExtractConfig) config("extract", Map.of("ocr", "off"),
        env("RAGSTREAM_FILE_ROOTS", roots.toString(), "RAGSTREAM_OCR_LANGUAGE", "deu"));
    assertThat(c.references().roots()).containsExactly(roots.toRealPath());
    assertThat(c.ocr().enabled()).as("the flag").isFalse();
    assertThat(c.ocr().language()).isEqualTo("deu");
    assertThat(((ExtractConfig) config("extract", Map.of(), Map.of())).references().roots()).isEmpty();
  }

  @Test
  void extractLimitsAreSettable() {
    ExtractConfig defaults = (ExtractConfig) config("extract", Map.of(), Map.of());
    assertThat(defaults.maxPollRecords()).isEqualTo(16);
    ExtractConfig c = (ExtractConfig) config("extract", Map.of("extract.max-poll-records", "4"), env(
        "RAGSTREAM_EXTRACT_MAX_BYTES", "1048576", "RAGSTREAM_EXTRACT_PARSE_TIMEOUT", "PT5S",
        "RAGSTREAM_EXTRACT_MAX_POLL_RECORDS", "8", "RAGSTREAM_INSTANCE", "extract-7"));
    assertThat(c.limits().maxBytes()).isEqualTo(1_048_576);
    assertThat(c.limits().parseTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.maxPollRecords()).isEqualTo(4); // the flag wins over the variable
    assertThat(c.instance()).isEqualTo("extract-7");
  }

  @Test
  void chunkerReplicasGetTheirOwnStateDirectoryAndTheChunkingSettings() {
    ChunkerStageConfig a = (ChunkerStageConfig) config("chunker", Map.of("instance", "a", "data-dir", "/d"),
        env("RAGSTREAM_CHUNKER_TEXT_TARGET_TOKENS", "96"));
    ChunkerStageConfig b = (ChunkerStageConfig) config("chunker", Map.of("instance", "b", "data-dir", "/d"), Map.of());
    assertThat(a.stateDir()).isEqualTo(Path.of("/d/streams/a")).isNotEqualTo(b.stateDir());
    assertThat(a.chunking()).containsEntry("chunker.text.target-tokens", "96");
    assertThatThrownBy(() -> config("chunker", Map.of(), env("RAGSTREAM_CHUNKER_TEXT_TARGET_TOKENS", "many")))
        .hasMessageContaining("RAGSTREAM_CHUNKER_TEXT_TARGET_TOKENS");
    assertThatThrownBy(() -> config("chunker", Map.of("model", "no-such-model"), Map.of()))
        .hasMessageContaining("no-such-model");
  }

  @Test
  void embedderBatchingIsSettable() {
    EmbedderStageConfig c = (EmbedderStageConfig) config("embedder", Map.of("embedder.parallelism", "3"), env(
        "RAGSTREAM_EMBEDDER_MAX_BATCH_TOKENS", "4096", "RAGSTREAM_EMBEDDER_MAX_WAIT", "PT0.25S",
        "RAGSTREAM_EMBEDDER_CACHE", "false"));
    assertThat(c.batching().maxBatchTokens()).isEqualTo(4096);
    assertThat(c.batching().maxWait()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.batching().parallelism()).isEqualTo(3);
    assertThat(c.cacheDir()).isNull();
    assertThatThrownBy(() -> config("embedder", Map.of(), env("RAGSTREAM_EMBEDDER_MAX_WAIT", "PT1M")))
        .hasMessageContaining("RAGSTREAM_EMBEDDER_MAX_WAIT").hasMessageContaining("PT30S");
  }

  @Test
  void theEmbedderDeviceSelectsTheProviderAndTheBatchShapeDefaults() {
    EmbedderStageConfig cpu = (EmbedderStageConfig) config("embedder", Map.of(), Map.of());
    assertThat(cpu.batching().onnx().provider()).isEqualTo(ExecutionProvider.CPU);
    assertThat(cpu.batching().maxBatchTokens()).isEqualTo(EmbedderConfig.defaults().maxBatchTokens());

    EmbedderStageConfig gpu = (EmbedderStageConfig) config("embedder", Map.of(),
        env("RAGSTREAM_EMBEDDER_DEVICE", "CUDA"));
    assertThat(gpu.batching().onnx().provider()).isEqualTo(ExecutionProvider.CUDA);
    assertThat(gpu.batching().onnx().strictProvider()).isFalse();
    assertThat(gpu.batching().maxBatchTokens()).isGreaterThan(cpu.batching().maxBatchTokens());
    assertThat(gpu.batching().maxPollRecords()).isGreaterThan(cpu.batching().maxPollRecords());

    // an explicit value beats the device's default; cuda-strict asks for failure instead of fallback
    EmbedderStageConfig strict = (EmbedderStageConfig) config("embedder",
        Map.of("embedder.device", "cuda-strict", "embedder.max-batch-tokens", "1000"), Map.of());
    assertThat(strict.batching().onnx().strictProvider()).isTrue();
    assertThat(strict.batching().maxBatchTokens()).isEqualTo(1000);

    assertThatThrownBy(() -> config("embedder", Map.of(), env("RAGSTREAM_EMBEDDER_DEVICE", "tpu")))
        .hasMessageContaining("RAGSTREAM_EMBEDDER_DEVICE").hasMessageContaining("cuda");
  }

  @Test
  void indexerAndStatusSettings() {
    IndexerConfig i = (IndexerConfig) config("indexer", Map.of("generation", "g7"),
        env("RAGSTREAM_INDEXER_MAX_POLL_RECORDS", "50"));
    assertThat(i.generation()).isEqualTo("g7");
    assertThat(i.maxPollRecords()).isEqualTo(50);
    assertThatThrownBy(() -> config("indexer", Map.of("generation", "g 1"), Map.of()))
        .hasMessageContaining("generation");
    StatusConfig s = (StatusConfig) config("status", Map.of(), env("RAGSTREAM_STATUS_MAX_POLL_RECORDS", "10"));
    assertThat(s.maxPollRecords()).isEqualTo(10);
  }

  @Test
  void querySearchDefaultsAndCacheAreSettable() {
    QueryConfig defaults = (QueryConfig) config("query", Map.of(), Map.of());
    assertThat(defaults.port()).isEqualTo(8080);
    assertThat(defaults.cache().kind()).isEqualTo(QueryCacheSettings.Kind.CAFFEINE);
    QueryConfig c = (QueryConfig) config("query", Map.of("query.port", "0"), env("RAGSTREAM_SEARCH_FUSION", "rrf",
        "RAGSTREAM_SEARCH_RRF_K", "60", "RAGSTREAM_QUERY_CACHE", "redis://cache:6379",
        "RAGSTREAM_LLM_BASE_URL", "http://llm/v1", "RAGSTREAM_LLM_MODEL", "m"));
    assertThat(c.port()).isZero();
    assertThat(c.search().fusion()).isEqualTo(Fusion.RRF);
    assertThat(c.search().rrfK()).isEqualTo(60);
    assertThat(c.cache().kind()).isEqualTo(QueryCacheSettings.Kind.REDIS);
    assertThat(c.cache().redisUri()).isEqualTo("redis://cache:6379");
    assertThat(c.features()).containsEntry("RAGSTREAM_LLM_MODEL", "m");
    assertThatThrownBy(() -> config("query", Map.of(), env("RAGSTREAM_LLM_BASE_URL", "http://llm/v1")))
        .hasMessageContaining("RAGSTREAM_LLM_MODEL");
    assertThatThrownBy(() -> config("query", Map.of(), env("RAGSTREAM_SEARCH_VECTOR_WEIGHT", "2")))
        .hasMessageContaining("RAGSTREAM_SEARCH_VECTOR_WEIGHT");
  }

  @Test
  void ingestPortAndUploadLimit() {
    IngestConfig c = (IngestConfig) config("ingest", Map.of(), env("RAGSTREAM_INGEST_MAX_UPLOAD_BYTES", "1024"));
    assertThat(c.port()).isEqualTo(8081);
    assertThat(c.maxUploadBytes()).isEqualTo(1024);
  }

  @Test
  void configPrintsEffectiveSettingsWithSourcesAndHidesSecrets() {
    StageOptions options = new StageOptions();
    new CommandLine(options).parseArgs("--port", "9000", "--set", "search.rrf-k=30");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ConfigCommand.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of("query"), options, env(
        "RAGSTREAM_LLM_API_KEY", "sk-live-abc123", "RAGSTREAM_API_KEYS", "deadbeef-key=default",
        "RAGSTREAM_KAFKA_SASL_JAAS_CONFIG", "PlainLoginModule required password=\"kafka-pw\";",
        "RAGSTREAM_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "RAGSTREAM_QUERY_CACHE_TTL", "PT1M"));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("# stage query");
    assertThat(out).containsPattern("query\\.port\\s+RAGSTREAM_QUERY_PORT\\s+flag\\s+9000");
    assertThat(out).containsPattern("search\\.rrf-k\\s+RAGSTREAM_SEARCH_RRF_K\\s+flag\\s+30");
    assertThat(out).containsPattern("query\\.cache\\.ttl\\s+RAGSTREAM_QUERY_CACHE_TTL\\s+env\\s+PT1M");
    assertThat(out).containsPattern("search\\.max-k\\s+RAGSTREAM_SEARCH_MAX_K\\s+default\\s+100");
    assertThat(out).contains("security.protocol=SASL_SSL").contains("sasl.jaas.config=[hidden]");
    assertThat(out).doesNotContain("sk-live-abc123").doesNotContain("kafka-pw").doesNotContain("deadbeef");
  }

  @Test
  void aFlagTheStageDoesNotReadIsIgnoredButAnUnknownSetKeyIsRefused() {
    StageOptions options = new StageOptions();
    new CommandLine(options).parseArgs("--data-dir", "/x", "--generation", "g2", "--set", "ingest.max-upload=1");
    Map<String, String> flags = options.flags("ingest");
    assertThat(flags).doesNotContainKeys("data-dir", "generation");
    assertThatThrownBy(() -> Settings.resolve(StageCatalog.settings("ingest"), flags, Map.of()))
        .hasMessageContaining("unknown setting 'ingest.max-upload'");
  }
}
