package io.ragstream.embedder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A persistent {@link EmbeddingCache}: one append-only file per model under the data directory, vectors on disk and
 * only (hash → file offset) in memory (about 100 bytes an entry, against 1.5 KB for a 384-float vector). It survives
 * restarts; a record torn by a crash is cut off when the file is reopened. Thread-safe.
 *
 * <p>A local file rather than a compacted Kafka topic: lookups sit on the hot path of every batch, and a local read
 * costs microseconds. Workers on different machines each keep their own, which costs at most one encoding per text
 * per worker; the index's idempotent upserts make the duplicate harmless.
 */
public final class FileEmbeddingCache implements EmbeddingCache {
  private static final Logger LOG = LoggerFactory.getLogger(FileEmbeddingCache.class);
  private static final int HASH_BYTES = 64; // hex SHA-256

  private final FileChannel file;
  private final int dimension;
  private final int recordBytes;
  private final Map<String, Long> offsets = new HashMap<>();
  private long end;

  private FileEmbeddingCache(FileChannel file, int dimension) throws IOException {
    this.file = file;
    this.dimension = dimension;
    this.recordBytes = HASH_BYTES + dimension * Float.BYTES;
    load();
  }

  /**
   * Opens (or creates) the cache of one model.
   *
   * @param dir the cache directory, e.g. {@code <data-dir>/embedding-cache}
   * @param modelId the model whose vectors it holds; part of the file name, so models never mix
   * @param dimension the model's vector length
   */
  public static FileEmbeddingCache open(Path dir, String modelId, int dimension) {
    if (!modelId.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("model id is not a safe file name: " + modelId);
    }
    try {
      Files.createDirectories(dir);
      FileChannel channel = FileChannel.open(dir.resolve(modelId + "-" + dimension + ".vectors"),
          StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      try {
        return new FileEmbeddingCache(channel, dimension);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the embedding cache in " + dir, e);
    }
  }

  private void load() throws IOException {
    long size = file.size();
    ByteBuffer hash = ByteBuffer.allocate(HASH_BYTES);
    long position = 0;
    while (position + recordBytes <= size) {
      hash.clear();
      file.read(hash, position);
      offsets.put(new String(hash.array(), StandardCharsets.US_ASCII), position + HASH_BYTES);
      position += recordBytes;
    }
    if (position < size) {
      LOG.warn("embedding cache: cutting a torn record of {} bytes at the end (an earlier crash)", size - position);
      file.truncate(position);
    }
    end = position;
  }

  @Override
  public synchronized Map<String, float[]> getAll(List<String> contentHashes) {
    Map<String, float[]> found = new HashMap<>();
    ByteBuffer buffer = ByteBuffer.allocate(dimension * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (String hash : contentHashes) {
      Long offset = offsets.get(hash);
      if (offset == null || found.containsKey(hash)) {
        continue;
      }
      buffer.clear();
      readFully(buffer, offset);
      float[] vector = new float[dimension];
      buffer.flip();
      buffer.asFloatBuffer().get(vector);
      found.put(hash, vector);
    }
    return found;
  }

  @Override
  public synchronized void putAll(Map<String, float[]> vectors) {
    ByteBuffer record = ByteBuffer.allocate(recordBytes).order(ByteOrder.LITTLE_ENDIAN);
    try {
      for (Map.Entry<String, float[]> entry : vectors.entrySet()) {
        String hash = entry.getKey();
        if (offsets.containsKey(hash)) {
          continue;
        }
        if (hash.length() != HASH_BYTES || entry.getValue().length != dimension) {
          throw new IllegalArgumentException("expected a hex SHA-256 and " + dimension + " floats, got " + hash
              + " and " + entry.getValue().length);
        }
        record.clear();
        record.put(hash.getBytes(StandardCharsets.US_ASCII));
        for (float x : entry.getValue()) {
          record.putFloat(x);
        }
        record.flip();
        while (record.hasRemaining()) {
          file.write(record, end + record.position());
        }
        offsets.put(hash, end + HASH_BYTES);
        end += recordBytes;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to the embedding cache", e);
    }
  }

  private void readFully(ByteBuffer buffer, long offset) {
    try {
      while (buffer.hasRemaining()) {
        if (file.read(buffer, offset + buffer.position()) < 0) {
          throw new IOException("cache file ends inside a record at " + offset);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the embedding cache", e);
    }
  }

  @Override
  public synchronized int size() {
    return offsets.size();
  }

  @Override
  public synchronized void close() {
    try {
      file.force(false);
      file.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the embedding cache", e);
    }
  }
}
