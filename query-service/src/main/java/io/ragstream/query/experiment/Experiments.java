package io.ragstream.query.experiment;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ragstream.query.SearchResponse;
import io.ragstream.query.SearchResult;
import io.ragstream.query.SearchService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The configured A/B experiments: assigns users to variants, serves each variant with its own {@link SearchService}
 * (sharing the store, model and cache of the base one; cache keys include the settings, so variants never share an
 * answer), records per-variant latency and feedback, and reports means with Welch t-tests against the control.
 *
 * <p>Configured by {@value #FILE_ENV}, a JSON file {@code {"experiments": [{"name": "fusion", "variants": [{"name":
 * "control"}, {"name": "rrf", "fusion": "rrf", "rrfK": 10}]}]}} (variant fields: see {@link Variant}).
 *
 * <p>Feedback refers to a query id handed out with an experiment's search. The last {@value #MAX_SERVED} served
 * queries (for at most a day) are remembered; feedback on an older one is refused rather than guessed at.
 */
public final class Experiments implements AutoCloseable {
  public static final String FILE_ENV = "RAGSTREAM_EXPERIMENTS_FILE";
  static final int MAX_SERVED = 100_000;

  /** Where a search was routed. */
  public record Assignment(Experiment experiment, Variant variant, SearchService service) {}

  private record Served(String experiment, String variant, String tenant, Set<String> chunkIds) {}

  private record Config(List<Experiment> experiments) {}

  private final Map<String, Experiment> byName = new LinkedHashMap<>();
  private final Map<String, Map<String, VariantStats>> stats = new LinkedHashMap<>();
  private final Map<String, Map<String, SearchService>> services = new LinkedHashMap<>();
  private final Cache<String, Served> served =
      Caffeine.newBuilder().maximumSize(MAX_SERVED).expireAfterWrite(Duration.ofDays(1)).build();

  private Experiments(List<Experiment> experiments, SearchService base) {
    for (Experiment e : experiments) {
      if (byName.putIfAbsent(e.name(), e) != null) {
        throw new IllegalArgumentException("experiment '" + e.name() + "' is configured twice");
      }
      Map<String, VariantStats> s = new LinkedHashMap<>();
      Map<String, SearchService> v = new LinkedHashMap<>();
      for (Variant variant : e.variants()) {
        if (Boolean.TRUE.equals(variant.rerank()) && !base.canRerank()) {
          throw new IllegalArgumentException("experiment '" + e.name() + "' variant '" + variant.name()
              + "' reranks, but no reranker is configured (RAGSTREAM_RERANKER_MODEL)");
        }
        s.put(variant.name(), new VariantStats());
        v.put(variant.name(), base.withConfig(variant.apply(base.config())));
      }
      stats.put(e.name(), s);
      services.put(e.name(), v);
    }
  }

  /** No experiments. */
  public static Experiments none() {
    return new Experiments(List.of(), null);
  }

  public static Experiments of(List<Experiment> experiments, SearchService base) {
    return new Experiments(experiments, base);
  }

  /** From {@value #FILE_ENV}, or {@link #none()} when unset; a malformed file refuses to start the service. */
  public static Experiments fromEnvironment(Map<String, String> env, SearchService base) {
    String file = env.get(FILE_ENV);
    if (file == null || file.isBlank()) {
      return none();
    }
    try {
      return of(parse(Files.readAllBytes(Path.of(file.strip()))), base);
    } catch (IOException e) {
      throw new UncheckedIOException(FILE_ENV + ": cannot read " + file, e);
    }
  }

  /** Parses the JSON configuration; unknown fields are errors, so a typo never silently runs the control. */
  public static List<Experiment> parse(byte[] json) throws IOException {
    Config config = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .readValue(json, Config.class);
    return config.experiments() == null ? List.of() : config.experiments();
  }

  public boolean isEmpty() {
    return byName.isEmpty();
  }

  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  /**
   * The variant serving a user, in the named experiment or, with no name, the first configured one; empty without
   * a user id or without experiments.
   *
   * @throws IllegalArgumentException for an unknown experiment name
   */
  public Optional<Assignment> assign(String experimentName, String userId) {
    if (userId == null || userId.isBlank() || isEmpty()) {
      if (experimentName != null && (userId == null || userId.isBlank())) {
        throw new IllegalArgumentException("experiment '" + experimentName + "' needs a user id (X-User-Id)");
      }
      return Optional.empty();
    }
    Experiment e = experimentName == null ? byName.values().iterator().next() : byName.get(experimentName);
    if (e == null) {
      throw new IllegalArgumentException("unknown experiment '" + experimentName + "'; configured: " + names());
    }
    Variant variant = e.assign(userId);
    return Optional.of(new Assignment(e, variant, services.get(e.name()).get(variant.name())));
  }

  /** Records a served search's latency; the query id that feedback refers to. */
  public String served(Assignment a, String tenant, SearchResponse response, long nanos) {
    stats.get(a.experiment().name()).get(a.variant().name()).latency(nanos / 1e6);
    String queryId = UUID.randomUUID().toString();
    served.put(queryId, new Served(a.experiment().name(), a.variant().name(), tenant,
        response.results().stream().map(SearchResult::chunkId).collect(Collectors.toUnmodifiableSet())));
    return queryId;
  }

  /**
   * Records how useful a result of a served query was.
   *
   * @return false when the query id is unknown, expired, or another tenant's (indistinguishable on purpose)
   * @throws IllegalArgumentException when {@code useful} is outside [0, 1] or the chunk was not in the results
   */
  public boolean feedback(String queryId, String chunkId, double useful, String tenant) {
    if (!(useful >= 0 && useful <= 1)) {
      throw new IllegalArgumentException("'useful' must be between 0 and 1, got " + useful);
    }
    Served s = served.getIfPresent(queryId);
    if (s == null || !s.tenant().equals(tenant)) {
      return false;
    }
    if (chunkId != null && !s.chunkIds().contains(chunkId)) {
      throw new IllegalArgumentException("chunk '" + chunkId + "' was not among the results of query " + queryId);
    }
    stats.get(s.experiment()).get(s.variant()).feedback(useful);
    return true;
  }

  /** Per-variant means and Welch t-tests of every variant against the control; empty for an unknown name. */
  public Optional<Map<String, Object>> report(String name) {
    Experiment e = byName.get(name);
    if (e == null) {
      return Optional.empty();
    }
    Map<String, VariantStats> s = stats.get(name);
    List<Map<String, Object>> variants = new ArrayList<>();
    for (Variant v : e.variants()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", v.name());
      row.put("settings", services.get(name).get(v.name()).config().fingerprint()
          + (v.rerank() == null ? "" : ";rerank=" + v.rerank()));
      row.put("latencyMs", VariantStats.describe(s.get(v.name()).latency()));
      row.put("feedback", VariantStats.describe(s.get(v.name()).feedback()));
      variants.add(row);
    }
    List<Map<String, Object>> comparisons = new ArrayList<>();
    VariantStats control = s.get(e.control().name());
    for (Variant v : e.variants().subList(1, e.variants().size())) {
      comparisons.add(compare(v.name(), e.control().name(), "feedback", s.get(v.name()).feedback(),
          control.feedback()));
      comparisons.add(compare(v.name(), e.control().name(), "latencyMs", s.get(v.name()).latency(),
          control.latency()));
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("name", name);
    report.put("control", e.control().name());
    report.put("variants", variants);
    report.put("comparisons", comparisons);
    return Optional.of(report);
  }

  private static Map<String, Object> compare(String variant, String control, String metric,
      org.apache.commons.math3.stat.descriptive.StatisticalSummary a,
      org.apache.commons.math3.stat.descriptive.StatisticalSummary b) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("metric", metric);
    m.put("variant", variant);
    m.put("against", control);
    try {
      WelchTest w = WelchTest.of(a, b);
      m.put("meanDifference", a.getMean() - b.getMean());
      m.put("t", w.t());
      m.put("df", w.df());
      m.put("pValue", w.pValue());
    } catch (IllegalArgumentException notYet) {
      // not an error: too little data so far, which the report says instead of a number
      m.put("insufficientData", notYet.getMessage());
    }
    return m;
  }

  @Override
  public void close() {
    services.values().forEach(m -> m.values().forEach(SearchService::close));
  }
}
