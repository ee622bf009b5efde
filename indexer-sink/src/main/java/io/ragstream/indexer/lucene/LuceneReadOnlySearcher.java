package io.ragstream.indexer.lucene;

import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.RetrievalView;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.IOUtils;

/**
 * A {@link ChunkSearcher} over a Lucene index that another process writes with {@link LuceneStore}. It sees the
 * writer's commits, not its uncommitted buffer, and looks for a new commit before a search only when the last look
 * is older than the refresh interval: reopening per request would cost more than the searches themselves, while
 * the indexer commits per batch anyway. Obtain one from {@link LuceneStore#openReadOnly(Path)}.
 */
public final class LuceneReadOnlySearcher implements ChunkSearcher, Closeable {

  /** How stale a search may be at most, relative to the writer's last commit. */
  public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofMillis(500);

  private final Directory directory;
  private final long refreshNanos;
  private final Analyzer analyzer = ChunkSchema.analyzer();
  private final IndexSearches reads;
  private final AtomicLong lastRefresh = new AtomicLong(System.nanoTime());
  private volatile SearcherManager manager; // null until the writer has created the index
  private boolean closed; // guarded by this

  private LuceneReadOnlySearcher(Directory directory, Duration refreshInterval) {
    this.directory = directory;
    this.refreshNanos = refreshInterval.toNanos();
    this.reads = new IndexSearches(new Source(), analyzer);
  }

  static LuceneReadOnlySearcher open(Path indexDir, Duration refreshInterval) throws IOException {
    Objects.requireNonNull(indexDir, "indexDir");
    if (refreshInterval.isNegative()) {
      throw new IllegalArgumentException("refreshInterval must not be negative");
    }
    // Creating the (empty) directory lets the query side start before the indexer, instead of failing.
    Files.createDirectories(indexDir);
    Directory directory = FSDirectory.open(indexDir);
    LuceneReadOnlySearcher searcher = new LuceneReadOnlySearcher(directory, refreshInterval);
    try {
      searcher.openIfIndexExists();
    } catch (IOException | RuntimeException e) {
      IOUtils.closeWhileHandlingException(searcher);
      throw e;
    }
    return searcher;
  }

  @Override
  public List<Hit> keywordSearch(String query, int k, SearchFilter filter) throws IOException {
    return reads.keywordSearch(query, k, filter);
  }

  @Override
  public List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) throws IOException {
    return reads.vectorSearch(vector, k, filter);
  }

  /** A two-phase view over one commit; its model is the one stamped on that same commit. */
  @Override
  public RetrievalView view() throws IOException {
    return reads.view(searcher -> Optional.ofNullable(((DirectoryReader) searcher.getIndexReader()).getIndexCommit()
        .getUserData().get(LuceneStore.MODEL_KEY)));
  }

  @Override
  public List<StoredChunk> chunksOfDocument(String docId, String tenant) throws IOException {
    return reads.chunksOfDocument(docId, tenant);
  }

  @Override
  public long chunkCount() throws IOException {
    return reads.chunkCount();
  }

  /** Number of distinct document ids with at least one chunk, across tenants. */
  public long documentCount() throws IOException {
    return reads.documentCount();
  }

  /**
   * The generation the writer stamped on the commit this searcher currently sees, or null before the index exists.
   * Part of a query-cache key: a new generation behind the same path makes every cached answer stale.
   */
  public String generation() throws IOException {
    IndexSearcher searcher = acquire();
    if (searcher == null) {
      return null;
    }
    try {
      DirectoryReader reader = (DirectoryReader) searcher.getIndexReader();
      return reader.getIndexCommit().getUserData().get(LuceneStore.GENERATION_KEY);
    } finally {
      manager.release(searcher);
    }
  }

  /** The model the writer stamped on the commit this searcher currently sees; empty before the first vector. */
  @Override
  public Optional<String> modelId() throws IOException {
    IndexSearcher searcher = acquire();
    if (searcher == null) {
      return Optional.empty();
    }
    try {
      DirectoryReader reader = (DirectoryReader) searcher.getIndexReader();
      return Optional.ofNullable(reader.getIndexCommit().getUserData().get(LuceneStore.MODEL_KEY));
    } finally {
      manager.release(searcher);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      IOUtils.close(manager, directory, analyzer);
    }
  }

  private IndexSearcher acquire() throws IOException {
    long now = System.nanoTime();
    long last = lastRefresh.get();
    // One caller per interval refreshes; the others search the current commit rather than wait for it.
    boolean due = now - last >= refreshNanos && lastRefresh.compareAndSet(last, now);
    SearcherManager current = manager;
    if (current == null) {
      current = due ? openIfIndexExists() : null;
      return current == null ? null : current.acquire();
    }
    if (due) {
      current.maybeRefresh();
    }
    return current.acquire();
  }

  private synchronized SearcherManager openIfIndexExists() throws IOException {
    if (closed) {
      throw new IllegalStateException("searcher is closed");
    }
    if (manager == null && DirectoryReader.indexExists(directory)) {
      manager = new SearcherManager(directory, ChunkSchema.searcherFactory());
    }
    return manager;
  }

  private final class Source implements SearcherSource {
    @Override
    public IndexSearcher acquire() throws IOException {
      return LuceneReadOnlySearcher.this.acquire();
    }

    @Override
    public void release(IndexSearcher searcher) throws IOException {
      manager.release(searcher);
    }
  }
}
