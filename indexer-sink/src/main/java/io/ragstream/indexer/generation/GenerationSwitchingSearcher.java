package io.ragstream.indexer.generation;

import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.RetrievalView;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChunkSearcher} that serves whichever Lucene generation the {@link LuceneGenerations} pointer names, and
 * follows a swap without failing or going empty. The new generation's searcher is opened, and checked to hold
 * chunks, before it replaces the old one; requests already running finish on the old one (a read lock), and only
 * then is the old one closed. A request never waits for a searcher to open: the one caller per interval that
 * notices the new pointer opens it, the others keep searching the old generation meanwhile.
 *
 * <p>A generation written in this JVM is searched through the writer's near-real-time searcher (visible as soon as a
 * batch is written) instead of a reader of its commits: passed as a fixed {@code live} map, or leased from {@link
 * LuceneWriters} while served.
 *
 * <p>{@link #vectorSearch(String, float[], int, SearchFilter)} checks the query vector's model against the served
 * generation's under the same lock as the search: each generation holds vectors of one model, and a swap may
 * change the model.
 */
public final class GenerationSwitchingSearcher implements ChunkSearcher, Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationSwitchingSearcher.class);

  /**
   * A searcher of one generation and how to let go of it: closing a read-only searcher, or returning a lease on a
   * writer of this JVM. {@code live}: searched through a writer (near-real-time), not a reader of its commits.
   */
  private record Served(String generation, ChunkSearcher searcher, Closeable release, boolean live) {}

  /** Where searchers of generations written in this JVM come from. */
  private interface LiveSource {
    Optional<Served> open(String generation);
  }

  private final LuceneGenerations generations;
  private final String fallback;
  private final LiveSource live;
  private final Duration refreshInterval;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final AtomicLong lastCheck = new AtomicLong(System.nanoTime());
  private volatile Served served; // replaced under the write lock
  private boolean closed; // guarded by the write lock

  private GenerationSwitchingSearcher(LuceneGenerations generations, String fallback, LiveSource live,
      Duration refreshInterval) {
    this.generations = generations;
    this.fallback = fallback;
    this.live = live;
    this.refreshInterval = refreshInterval;
  }

  /**
   * Opens a searcher over the current generation.
   *
   * @param fallback the generation served while no pointer exists (data directories from before generations)
   * @param live searchers of generations written in this JVM, by generation; not closed by this searcher
   * @param refreshInterval how often the pointer (and each generation's commits) are looked at, at most
   */
  public static GenerationSwitchingSearcher open(LuceneGenerations generations, String fallback,
      Map<String, ChunkSearcher> live, Duration refreshInterval) throws IOException {
    Map<String, ChunkSearcher> own = Map.copyOf(live);
    return open(generations, fallback, g -> Optional.ofNullable(own.get(g)).map(s -> new Served(g, s, () -> { },
        true)), refreshInterval);
  }

  /**
   * Opens a searcher over the current generation that searches a generation this JVM writes through its writer's
   * near-real-time searcher, holding a lease on it while serving it. A generation served before its writer was
   * opened here (the query side noticed a swap before the indexer did) is searched read-only at first and moved to
   * the writer at the next look at the pointer, so that a chunk is searchable as soon as its write returns again.
   */
  public static GenerationSwitchingSearcher open(LuceneWriters writers, String fallback, Duration refreshInterval)
      throws IOException {
    Objects.requireNonNull(writers, "writers");
    return open(writers.generations(), fallback, g -> writers.acquireIfOpen(g)
        .map(lease -> new Served(g, lease.store(), lease, true)), refreshInterval);
  }

  private static GenerationSwitchingSearcher open(LuceneGenerations generations, String fallback, LiveSource live,
      Duration refreshInterval) throws IOException {
    Objects.requireNonNull(generations, "generations");
    Objects.requireNonNull(fallback, "fallback");
    if (refreshInterval.isNegative()) {
      throw new IllegalArgumentException("refreshInterval must not be negative");
    }
    GenerationSwitchingSearcher searcher = new GenerationSwitchingSearcher(generations, fallback, live,
        refreshInterval);
    searcher.served = searcher.openServed(generations.currentOr(fallback));
    return searcher;
  }

  /** The generation searches currently go to. */
  public String currentGeneration() {
    return served.generation();
  }

  @Override
  public List<Hit> keywordSearch(String query, int k, SearchFilter filter) throws IOException {
    maybeSwitch();
    lock.readLock().lock();
    try {
      return searcher().keywordSearch(query, k, filter);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) throws IOException {
    maybeSwitch();
    lock.readLock().lock();
    try {
      return searcher().vectorSearch(vector, k, filter);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Checks the model and searches under one lock, so a swap between the two cannot pair a vector and a model. */
  @Override
  public List<Hit> vectorSearch(String modelId, float[] vector, int k, SearchFilter filter) throws IOException {
    maybeSwitch();
    lock.readLock().lock();
    try {
      return searcher().vectorSearch(modelId, vector, k, filter);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Optional<String> modelId() throws IOException {
    maybeSwitch();
    lock.readLock().lock();
    try {
      return searcher().modelId();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The served generation's view, holding the read lock until it is closed: a swap waits for the searches in
   * flight, so a view never reads from a generation that was closed under it. Close it on the thread that opened it.
   */
  @Override
  public RetrievalView view() throws IOException {
    maybeSwitch();
    lock.readLock().lock();
    try {
      RetrievalView view = searcher().view();
      return new RetrievalView() {
        private boolean closed;

        @Override
        public Optional<String> modelId() throws IOException {
          return view.modelId();
        }

        @Override
        public List<Candidate> keyword(String query, int k, SearchFilter filter) throws IOException {
          return view.keyword(query, k, filter);
        }

        @Override
        public List<Candidate> vector(String modelId, float[] vector, int k, SearchFilter filter)
            throws IOException {
          return view.vector(modelId, vector, k, filter);
        }

        @Override
        public StoredChunk chunk(long key) throws IOException {
          return view.chunk(key);
        }

        @Override
        public void close() throws IOException {
          if (!closed) {
            closed = true;
            try {
              view.close();
            } finally {
              lock.readLock().unlock();
            }
          }
        }
      };
    } catch (IOException | RuntimeException | Error e) {
      lock.readLock().unlock();
      throw e;
    }
  }

  @Override
  public List<StoredChunk> chunksOfDocument(String docId, String tenant) throws IOException {
    maybeSwitch();
    lock.readLock().lock();
    try {
      return searcher().chunksOfDocument(docId, tenant);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long chunkCount() throws IOException {
    maybeSwitch();
    lock.readLock().lock();
    try {
      return searcher().chunkCount();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Looks at the pointer now, regardless of the interval; for tests and for a caller that just swapped. */
  public void switchNow() throws IOException {
    lastCheck.set(System.nanoTime());
    switchTo(generations.currentOr(fallback));
  }

  @Override
  public void close() throws IOException {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      release(served);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private ChunkSearcher searcher() {
    if (closed) {
      throw new IllegalStateException("searcher is closed");
    }
    return served.searcher();
  }

  private void maybeSwitch() {
    long now = System.nanoTime();
    long last = lastCheck.get();
    if (now - last < refreshInterval.toNanos() || !lastCheck.compareAndSet(last, now)) {
      return;
    }
    try {
      switchTo(generations.currentOr(fallback));
    } catch (IOException | RuntimeException e) {
      // The request at hand is still answerable from the generation served now; the next interval tries again.
      LOG.warn("could not follow the generation pointer; still serving {}", served.generation(), e);
    }
  }

  private void switchTo(String target) throws IOException {
    Served current = served;
    Served next;
    if (target.equals(current.generation())) {
      if (current.live()) {
        return;
      }
      // Served read-only so far: move to this JVM's writer of the same generation once there is one.
      Optional<Served> writer = live.open(target);
      if (writer.isEmpty()) {
        return;
      }
      next = writer.get();
    } else {
      next = openServed(target);
    }
    if (!next.generation().equals(current.generation()) && next.searcher().chunkCount() == 0
        && current.searcher().chunkCount() > 0) {
      // A replay checks counts before it swaps; this guards the invariant against a hand-edited pointer too.
      release(next);
      throw new IllegalStateException("generation " + target + " is empty; still serving " + current.generation());
    }
    lock.writeLock().lock();
    try {
      if (closed) {
        release(next);
        return;
      }
      served = next;
    } finally {
      lock.writeLock().unlock();
    }
    // Every request that held the old searcher held the read lock, and the write lock above waited for them.
    release(current);
    if (target.equals(current.generation())) {
      LOG.info("generation {} is now searched through this process's writer (near-real-time)", target);
    } else {
      LOG.info("now serving generation {} (was {})", target, current.generation());
    }
  }

  private Served openServed(String generation) throws IOException {
    Optional<Served> own = live.open(generation);
    if (own.isPresent()) {
      return own.get();
    }
    var reader = LuceneStore.openReadOnly(generations.directory(generation), refreshInterval);
    return new Served(generation, reader, reader, false);
  }

  private static void release(Served served) throws IOException {
    served.release().close();
  }
}
