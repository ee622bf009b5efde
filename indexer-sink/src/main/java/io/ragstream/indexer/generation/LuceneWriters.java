package io.ragstream.indexer.generation;

import io.ragstream.indexer.IndexTarget;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.store.ChunkStore;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.lucene.util.IOUtils;

/**
 * The Lucene generations this JVM has open for writing, shared by the indexer (which writes one) and the query side
 * (which searches the one it serves through the writer's near-real-time searcher, so a chunk is searchable as soon
 * as its batch is written). Each user holds a {@link Lease}; a store is closed, releasing its write lock, when its
 * last lease is, so that {@code generations drop} works on a generation nobody here writes or serves any more.
 */
public final class LuceneWriters implements Closeable {
  private final LuceneGenerations generations;
  private final Map<String, Entry> open = new HashMap<>(); // guarded by this
  private boolean closed; // guarded by this

  private static final class Entry {
    final LuceneStore store;
    int leases;

    Entry(LuceneStore store) {
      this.store = store;
    }
  }

  public LuceneWriters(LuceneGenerations generations) {
    this.generations = Objects.requireNonNull(generations, "generations");
  }

  /** The generations' catalog these writers open directories from. */
  public LuceneGenerations generations() {
    return generations;
  }

  /**
   * A lease on the writer of {@code generation}, opening it (and creating an empty index) if nobody here has it open.
   *
   * @throws org.apache.lucene.store.LockObtainFailedException if another process writes that generation
   */
  public synchronized Lease acquire(String generation) throws IOException {
    if (closed) {
      throw new IllegalStateException("writers are closed");
    }
    Entry entry = open.get(generation);
    if (entry == null) {
      entry = new Entry(LuceneStore.open(generations.directory(generation), generation));
      open.put(generation, entry);
    }
    entry.leases++;
    return new Lease(generation, entry.store);
  }

  /** A lease on the writer of {@code generation} if this JVM has it open; never opens one. */
  public synchronized Optional<Lease> acquireIfOpen(String generation) {
    Entry entry = open.get(generation);
    if (closed || entry == null) {
      return Optional.empty();
    }
    entry.leases++;
    return Optional.of(new Lease(generation, entry.store));
  }

  private synchronized void release(String generation) throws IOException {
    Entry entry = open.get(generation);
    if (entry != null && --entry.leases == 0) {
      open.remove(generation);
      entry.store.close();
    }
  }

  /**
   * The indexer's target: the generation the {@code CURRENT} pointer names (else {@code fallback}), written through a
   * lease of these writers, so the query side keeps searching it near-real-time while both serve it.
   */
  public IndexTarget followingPointer(String fallback) {
    Objects.requireNonNull(fallback, "fallback");
    Map<ChunkStore, Lease> leases = new IdentityHashMap<>();
    return new IndexTarget() {
      @Override
      public String current() throws IOException {
        return generations.currentOr(fallback);
      }

      @Override
      public ChunkStore open(String generation) throws IOException {
        Lease lease = acquire(generation);
        synchronized (leases) {
          leases.put(lease.store(), lease);
        }
        return lease.store();
      }

      @Override
      public void release(ChunkStore store) throws IOException {
        Lease lease;
        synchronized (leases) {
          lease = leases.remove(store);
        }
        if (lease != null) {
          lease.close();
        }
      }
    };
  }

  /** Closes every store still open, leased or not: the end of the process. */
  @Override
  public synchronized void close() throws IOException {
    closed = true;
    List<LuceneStore> stores = new ArrayList<>();
    open.values().forEach(e -> stores.add(e.store));
    open.clear();
    // every one closed; the first failure thrown, the others suppressed in it
    IOUtils.close(stores.stream().<Closeable>map(store -> store::close).toList());
  }

  /** One user's hold on an open generation; closing it twice releases once. */
  public final class Lease implements Closeable {
    private final String generation;
    private final LuceneStore store;
    private boolean released; // guarded by LuceneWriters.this

    private Lease(String generation, LuceneStore store) {
      this.generation = generation;
      this.store = store;
    }

    public String generation() {
      return generation;
    }

    public LuceneStore store() {
      return store;
    }

    @Override
    public void close() throws IOException {
      synchronized (LuceneWriters.this) {
        if (released) {
          return;
        }
        released = true;
        release(generation);
      }
    }
  }
}
