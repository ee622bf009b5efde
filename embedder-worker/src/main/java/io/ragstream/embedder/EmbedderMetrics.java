package io.ragstream.embedder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The embedder's meters, all tagged with the model id. {@code chunks.embedded} counts texts the model actually
 * encoded (cache hits are counted under {@code cache}, never here); the throughput gauges divide encoded chunks
 * and tokens by the time spent in inference, so they show what the hardware delivers, not how busy the topic is.
 */
public final class EmbedderMetrics {
  private final Counter embedded;
  private final Counter tokens;
  private final Counter hits;
  private final Counter misses;
  private final DistributionSummary batchSize;
  private final DistributionSummary padding;
  private final Timer inference;
  private final DoubleAdder inferenceSeconds = new DoubleAdder();

  public EmbedderMetrics(MeterRegistry registry, String modelId) {
    embedded = registry.counter("ragstream.embedder.chunks.embedded", "model", modelId);
    tokens = registry.counter("ragstream.embedder.tokens", "model", modelId);
    hits = registry.counter("ragstream.embedder.cache", "model", modelId, "result", "hit");
    misses = registry.counter("ragstream.embedder.cache", "model", modelId, "result", "miss");
    batchSize = DistributionSummary.builder("ragstream.embedder.batch.size").tag("model", modelId)
        .publishPercentileHistogram().register(registry);
    padding = DistributionSummary.builder("ragstream.embedder.batch.padding.ratio").tag("model", modelId)
        .description("share of the tokens computed in a batch that are padding").publishPercentileHistogram()
        .minimumExpectedValue(0.001).maximumExpectedValue(1.0).register(registry);
    inference = Timer.builder("ragstream.embedder.inference.latency").tag("model", modelId)
        .publishPercentileHistogram().register(registry);
    Gauge.builder("ragstream.embedder.chunks.per.second", this, m -> m.rate(m.embedded.count()))
        .tag("model", modelId).register(registry);
    Gauge.builder("ragstream.embedder.tokens.per.second", this, m -> m.rate(m.tokens.count()))
        .tag("model", modelId).register(registry);
    Gauge.builder("ragstream.embedder.cache.hit.ratio", this, EmbedderMetrics::hitRatio)
        .tag("model", modelId).register(registry);
  }

  /** One inference call: its size, padding and duration. */
  void batch(int texts, long realTokens, long paddedTokens, long nanos) {
    embedded.increment(texts);
    tokens.increment(realTokens);
    batchSize.record(texts);
    padding.record(paddedTokens == 0 ? 0 : (double) (paddedTokens - realTokens) / paddedTokens);
    inference.record(Duration.ofNanos(nanos));
    inferenceSeconds.add(nanos / 1e9);
  }

  void cache(int hitCount, int missCount) {
    hits.increment(hitCount);
    misses.increment(missCount);
  }

  /** Cache hits over lookups since start; 0 before the first lookup. */
  public double hitRatio() {
    double total = hits.count() + misses.count();
    return total == 0 ? 0 : hits.count() / total;
  }

  private double rate(double count) {
    double seconds = inferenceSeconds.sum();
    return seconds == 0 ? 0 : count / seconds;
  }
}
