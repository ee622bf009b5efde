package io.ragstream.indexer.lucene;

import static io.ragstream.indexer.lucene.ChunkSchema.CHUNK_ID;
import static io.ragstream.indexer.lucene.ChunkSchema.VECTOR;

import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.RejectedChunksException;
import io.ragstream.indexer.store.RetrievalView;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.IOUtils;

/**
 * The embedded store: one Lucene index on local disk with BM25 text fields and an HNSW vector field, written and
 * searched in the same JVM. Searches go through a near-real-time {@link SearcherManager} on the writer, so a chunk
 * is searchable as soon as {@link #write} returns; another process reads the same directory with {@link
 * #openReadOnly}.
 *
 * <p>The index records its generation and embedding model in its commit data, and refuses to be opened under
 * another generation or fed vectors of another model: vectors of two models in one HNSW graph would rank as noise
 * without any error.
 *
 * <p>Chunks are keyed by chunkId alone (deletes carry nothing else), so chunk ids must be unique across tenants.
 */
public final class LuceneStore implements ChunkStore, ChunkSearcher {

  static final String GENERATION_KEY = "ragstream.generation";
  static final String MODEL_KEY = "ragstream.modelId";

  private final Path path;
  private final String generation;
  private final Directory directory;
  private final Analyzer analyzer;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final IndexSearches reads;
  // Serialises batches so that a commit never publishes half of a concurrent batch; searches need no lock.
  /** See {@link #mergePolicy()}: on the bench, 8 segments instead of 13 after writing 100k chunks in 10 batches. */
  static final double SEGMENTS_PER_TIER = 4;
  private final ReentrantLock writeLock = new ReentrantLock();
  // written under writeLock; volatile so that searches read the model without taking the lock
  private volatile String modelId; // null until the first vector that names its model
  private int dimension; // guarded by writeLock; 0 until the first vector
  private boolean closed; // guarded by writeLock

  private LuceneStore(Path path, String generation, Directory directory) throws IOException {
    this.path = path;
    this.generation = generation;
    this.directory = directory;
    this.analyzer = ChunkSchema.analyzer();
    this.writer =
        new IndexWriter(
            directory, new IndexWriterConfig(analyzer)
                .setSimilarity(ChunkSchema.similarity())
                .setMergePolicy(mergePolicy())
                // No merge-on-commit: Lucene's default lets every commit wait up to 500 ms for merges of the
                // segments it just flushed, and this writer commits once per indexer batch, so a live page's
                // latency carried those merges (up to 369 ms per commit under a bulk background, measured with
                // JFR). The same merges still run in the background.
                .setMaxFullFlushMergeWaitMillis(0)
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND));
    try {
      Map<String, String> committed = new HashMap<>();
      Iterable<Map.Entry<String, String>> data = writer.getLiveCommitData();
      if (data != null) {
        data.forEach(e -> committed.put(e.getKey(), e.getValue()));
      }
      String existing = committed.get(GENERATION_KEY);
      if (existing != null && !existing.equals(generation)) {
        throw new IllegalStateException("index at " + path + " holds generation " + existing + ", not " + generation);
      }
      this.modelId = committed.get(MODEL_KEY);
      if (existing == null) {
        // Stamp a new index at once, so a read-only searcher can open it before the first batch arrives.
        commit(modelId);
      }
      this.searchers = new SearcherManager(writer, ChunkSchema.searcherFactory());
      this.reads = new IndexSearches(managed(searchers), analyzer);
      IndexSearcher searcher = searchers.acquire();
      try {
        FieldInfo vector = FieldInfos.getMergedFieldInfos(searcher.getIndexReader()).fieldInfo(VECTOR);
        this.dimension = vector == null ? 0 : vector.getVectorDimension();
      } finally {
        searchers.release(searcher);
      }
    } catch (IOException | RuntimeException e) {
      // Releases the write lock without committing anything.
      writer.rollback();
      analyzer.close();
      throw e;
    }
  }

  /**
   * Fewer segments per tier than Lucene's 10: vector search walks one HNSW graph per segment, so segments cost query
   * time, while merging costs write time, and this index is written at the embedder's pace (tens to hundreds of
   * chunks a second), never faster than it can merge. Measured on the 100k-chunk bench: see docs/BENCHMARKS.md.
   */
  static TieredMergePolicy mergePolicy() {
    TieredMergePolicy policy = new TieredMergePolicy();
    policy.setSegmentsPerTier(SEGMENTS_PER_TIER);
    return policy;
  }

  /**
   * Opens the index in {@code indexDir}, creating the directory and an empty index if needed.
   *
   * @param indexDir the directory of this generation's index; the caller decides the layout
   * @param generation the index generation this store writes, e.g. {@code g1}
   * @throws IllegalStateException if the directory holds an index of another generation
   * @throws org.apache.lucene.store.LockObtainFailedException if another writer, in any process, has it open
   */
  public static LuceneStore open(Path indexDir, String generation) throws IOException {
    Objects.requireNonNull(indexDir, "indexDir");
    if (generation == null || generation.isBlank()) {
      throw new IllegalArgumentException("generation is required");
    }
    Files.createDirectories(indexDir);
    Directory directory = FSDirectory.open(indexDir);
    try {
      return new LuceneStore(indexDir, generation, directory);
    } catch (IOException | RuntimeException e) {
      IOUtils.closeWhileHandlingException(directory);
      throw e;
    }
  }

  /**
   * A searcher over an index that another process writes, which picks up new commits at most every 500 ms.
   *
   * @see #openReadOnly(Path, Duration)
   */
  public static LuceneReadOnlySearcher openReadOnly(Path indexDir) throws IOException {
    return openReadOnly(indexDir, LuceneReadOnlySearcher.DEFAULT_REFRESH_INTERVAL);
  }

  /**
   * A searcher over an index that another process writes. Before a search it looks for new commits if the last
   * look is older than {@code refreshInterval}; until the writer has created the index, searches find nothing.
   */
  public static LuceneReadOnlySearcher openReadOnly(Path indexDir, Duration refreshInterval) throws IOException {
    return LuceneReadOnlySearcher.open(indexDir, refreshInterval);
  }

  @Override
  public String name() {
    return "lucene";
  }

  @Override
  public String generation() {
    return generation;
  }

  /** The directory this store writes. */
  public Path path() {
    return path;
  }

  /**
   * Applies deletes, then upserts, in one commit, and returns once the commit is durable and visible to searches.
   * An id in both lists therefore ends up present; the indexer is expected to have kept only the last write per id.
   * The whole batch is validated before the index is touched, so a rejected batch leaves no trace.
   *
   * @throws IllegalArgumentException if a chunk lacks an id, document, tenant or text, or its vector is not finite
   *     and non-zero, or its dimension or model differ from the index's
   * @throws RejectedChunksException after committing the rest, for chunks Lucene refuses one by one (an immense
   *     term)
   */
  @Override
  public void write(WriteBatch batch) throws IOException {
    Objects.requireNonNull(batch, "batch");
    writeLock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("store is closed");
      }
      if (batch.isEmpty()) {
        return;
      }
      String batchModel = modelId;
      int batchDimension = dimension;
      List<Document> docs = new ArrayList<>(batch.upserts().size());
      for (StoredChunk chunk : batch.upserts()) {
        validate(chunk);
        float[] vector = null;
        if (chunk.vector() != null) {
          if (batchDimension != 0 && chunk.vector().length != batchDimension) {
            throw new IllegalArgumentException(
                "chunk " + chunk.chunkId() + " has dimension " + chunk.vector().length + ", index has "
                    + batchDimension);
          }
          if (chunk.modelId() != null && batchModel != null && !chunk.modelId().equals(batchModel)) {
            throw new IllegalArgumentException(
                "chunk " + chunk.chunkId() + " is from model " + chunk.modelId() + ", index holds " + batchModel);
          }
          vector = ChunkSchema.unitVector(chunk.vector());
          batchDimension = vector.length;
          batchModel = batchModel == null ? chunk.modelId() : batchModel;
        }
        docs.add(ChunkSchema.toDocument(chunk, vector));
      }
      for (String chunkId : batch.deletes()) {
        writer.deleteDocuments(new Term(CHUNK_ID, Objects.requireNonNull(chunkId, "deleted chunkId")));
      }
      Map<String, String> rejected = new LinkedHashMap<>();
      for (int i = 0; i < docs.size(); i++) {
        String chunkId = batch.upserts().get(i).chunkId();
        try {
          writer.updateDocument(new Term(CHUNK_ID, chunkId), docs.get(i));
        } catch (IllegalArgumentException e) {
          // Lucene refuses this one document (an immense term: a keyword value over 32766 bytes) and stays usable;
          // retrying would be refused the same way forever, so the rest is committed and this chunk reported
          rejected.put(chunkId, e.getMessage());
        }
      }
      // If the writer fails part-way, what it already buffered is committed with the next batch; that is harmless
      // because the failed batch is retried in full and every operation in it is idempotent.
      commit(batchModel);
      modelId = batchModel;
      dimension = batchDimension;
      searchers.maybeRefreshBlocking();
      if (!rejected.isEmpty()) {
        throw new RejectedChunksException(name(), rejected);
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public List<Hit> keywordSearch(String query, int k, SearchFilter filter) throws IOException {
    return reads.keywordSearch(query, k, filter);
  }

  @Override
  public List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) throws IOException {
    return reads.vectorSearch(vector, k, filter);
  }

  /** A two-phase view over one near-real-time searcher ({@link RetrievalView}). */
  @Override
  public RetrievalView view() throws IOException {
    return reads.view(searcher -> modelId());
  }

  @Override
  public List<StoredChunk> chunksOfDocument(String docId, String tenant) throws IOException {
    return reads.chunksOfDocument(docId, tenant);
  }

  @Override
  public long chunkCount() throws IOException {
    return reads.chunkCount();
  }

  /**
   * Merges the index down to at most {@code maxSegments} segments, commits, and refreshes searchers. Vector search
   * walks one HNSW graph per segment, so a bulk-loaded index answers faster once merged; worth it after a bulk load
   * (a replayed generation before it is swapped in, a benchmark corpus), not on a live index that keeps taking
   * writes, where Lucene's merge policy keeps the segment count bounded by itself. Blocks writes while it runs.
   */
  public void forceMerge(int maxSegments) throws IOException {
    if (maxSegments < 1) {
      throw new IllegalArgumentException("maxSegments must be positive, was " + maxSegments);
    }
    writeLock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("store is closed");
      }
      writer.forceMerge(maxSegments);
      commit(modelId);
      searchers.maybeRefreshBlocking();
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * One segment: a bulk load leaves a dozen, each with its own HNSW graph, and vector search walks every one of them
   * (on the 100k-chunk bench, hybrid p50 5.6 ms merged against 9.5 ms unmerged; docs/BENCHMARKS.md).
   */
  @Override
  public void prepareForServing() throws IOException {
    forceMerge(1);
  }

  /**
   * Waits until the merges Lucene runs in the background have finished. After a bulk load they rebuild HNSW graphs
   * for minutes on a small machine and compete with searches for the cores, so a measurement taken meanwhile says
   * more about the merges than about search.
   */
  public void awaitMerges() {
    if (writer.getConfig().getMergeScheduler() instanceof ConcurrentMergeScheduler merges) {
      merges.sync();
    }
  }

  /** Segments in the searched view of the index: each one is searched (and holds an HNSW graph) separately. */
  public int segmentCount() throws IOException {
    IndexSearcher searcher = searchers.acquire();
    try {
      return searcher.getIndexReader().leaves().size();
    } finally {
      searchers.release(searcher);
    }
  }

  /** Number of distinct document ids with at least one chunk, across tenants. */
  @Override
  public long documentCount() throws IOException {
    return reads.documentCount();
  }

  /** The model of the vectors this index holds, as recorded in its commits; empty before the first vector. */
  @Override
  public Optional<String> modelId() {
    return Optional.ofNullable(modelId);
  }

  /** Closes the index; a write in progress finishes first. Idempotent. */
  @Override
  public void close() throws IOException {
    writeLock.lock();
    try {
      if (!closed) {
        closed = true;
        IOUtils.close(searchers, writer, directory, analyzer);
      }
    } finally {
      writeLock.unlock();
    }
  }

  private void commit(String model) throws IOException {
    Map<String, String> data = new HashMap<>();
    data.put(GENERATION_KEY, generation);
    if (model != null) {
      data.put(MODEL_KEY, model);
    }
    writer.setLiveCommitData(data.entrySet());
    writer.commit();
  }

  private static void validate(StoredChunk chunk) {
    Objects.requireNonNull(chunk, "chunk");
    if (chunk.chunkId() == null || chunk.docId() == null || chunk.tenant() == null || chunk.text() == null) {
      throw new IllegalArgumentException("chunk needs chunkId, docId, tenant and text: " + chunk.chunkId());
    }
  }

  static SearcherSource managed(SearcherManager manager) {
    return new SearcherSource() {
      @Override
      public IndexSearcher acquire() throws IOException {
        return manager.acquire();
      }

      @Override
      public void release(IndexSearcher searcher) throws IOException {
        manager.release(searcher);
      }
    };
  }
}
