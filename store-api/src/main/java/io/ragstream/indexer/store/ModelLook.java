package io.ragstream.indexer.store;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The model of a served generation's vectors as a remote store reports it, asked at most once per
 * {@link #INTERVAL}: often enough that the query side follows a replay's swap within the interval, rarely enough that
 * no query pays a round trip for it. Searchers whose generation is switched locally (Lucene) know it exactly instead.
 */
public final class ModelLook {
  public static final Duration INTERVAL = Duration.ofMillis(500);

  /** Reads the model from the store. */
  @FunctionalInterface
  public interface Source {
    Optional<String> read() throws IOException;
  }

  private record Look(Optional<String> model, long atNanos) {}

  private final Source source;
  private volatile Look last;

  public ModelLook(Source source) {
    this.source = source;
  }

  /** The model last read, or a fresh read when that is older than the interval. */
  public Optional<String> get() throws IOException {
    Look look = last;
    long now = System.nanoTime();
    if (look != null && now - look.atNanos() < INTERVAL.toNanos()) {
      return look.model();
    }
    Optional<String> model = source.read();
    last = new Look(model, now);
    return model;
  }
}
