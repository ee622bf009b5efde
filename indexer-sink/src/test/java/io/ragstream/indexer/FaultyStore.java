package io.ragstream.indexer;

import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store behind a switch that makes it misbehave like a remote one: {@link Mode#FAIL} applies the first half
 * of a batch's upserts and then throws (a write that dies mid-batch), {@link Mode#STALL} blocks each write before
 * applying it, {@link Mode#ERROR} throws a StackOverflowError. Records every batch it was asked to write, so tests can see retries and batch sizes.
 */
final class FaultyStore implements ChunkStore {
  enum Mode { HEALTHY, FAIL, STALL, ERROR }

  private final ChunkStore real;
  private final Duration stall;
  private volatile Mode mode = Mode.HEALTHY;
  private final AtomicInteger faults = new AtomicInteger();
  private final List<List<String>> attempts = new CopyOnWriteArrayList<>();

  FaultyStore(ChunkStore real, Duration stall) {
    this.real = real;
    this.stall = stall;
  }

  void mode(Mode mode) {
    this.mode = mode;
  }

  int faults() {
    return faults.get();
  }

  /** The upserted chunk ids of every write call, in order. */
  List<List<String>> attempts() {
    return attempts;
  }

  @Override
  public String name() {
    return real.name();
  }

  @Override
  public String generation() {
    return real.generation();
  }

  @Override
  public void write(WriteBatch batch) throws IOException {
    attempts.add(batch.upserts().stream().map(StoredChunk::chunkId).toList());
    switch (mode) {
      case FAIL -> {
        faults.incrementAndGet();
        List<StoredChunk> half = new ArrayList<>(batch.upserts().subList(0, batch.upserts().size() / 2));
        real.write(new WriteBatch(half, List.of()));
        throw new IOException("injected store failure after " + half.size() + " of " + batch.upserts().size()
            + " upserts");
      }
      case STALL -> {
        faults.incrementAndGet();
        try {
          Thread.sleep(stall);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while stalled", e);
        }
        real.write(batch);
      }
      case ERROR -> {
        faults.incrementAndGet();
        throw new StackOverflowError("injected Error in the store");
      }
      case HEALTHY -> real.write(batch);
    }
  }

  @Override
  public long chunkCount() throws IOException {
    return real.chunkCount();
  }

  @Override
  public long documentCount() throws IOException {
    return real.documentCount();
  }

  @Override
  public void close() throws IOException {
    real.close();
  }
}
