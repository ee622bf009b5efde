package io.ragstream.indexer.generation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import io.ragstream.indexer.lucene.LuceneReadOnlySearcher;
import io.ragstream.indexer.lucene.LuceneStore;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.Lock;
import org.apache.lucene.store.LockObtainFailedException;

/**
 * Lucene generations: one index directory per generation under a root ({@code <data>/index/<generation>}), and a
 * one-line pointer file {@code CURRENT} naming the served one. The pointer is written to a temporary file, forced
 * to disk and renamed over the old one, so a reader (in this process or another) reads either the old name or the
 * new one, never a torn or empty file. Without a pointer, callers fall back to their configured generation, which
 * keeps data directories from before generations working unchanged.
 */
public final class LuceneGenerations implements GenerationCatalog {

  /** The pointer file's name inside the root. */
  public static final String POINTER = "CURRENT";

  private final Path root;

  public LuceneGenerations(Path root) {
    this.root = Objects.requireNonNull(root, "root");
  }

  /** The directory a generation lives in (whether or not it exists yet). */
  public Path directory(String generation) {
    return root.resolve(Objects.requireNonNull(generation, "generation"));
  }

  @Override
  public String store() {
    return "lucene";
  }

  @Override
  public List<String> list() throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(root)) {
      return children.filter(Files::isDirectory).filter(LuceneGenerations::holdsIndex)
          .map(p -> p.getFileName().toString()).sorted(Comparator.naturalOrder()).toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  @Override
  public Optional<String> current() throws IOException {
    try {
      String name = Files.readString(root.resolve(POINTER), StandardCharsets.UTF_8).strip();
      return name.isEmpty() ? Optional.empty() : Optional.of(name);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Through a read-only reader: another process's indexer may hold the generation's write lock. */
  @Override
  public GenerationCounts counts(String generation) throws IOException {
    Path dir = directory(generation);
    if (!holdsIndex(dir)) {
      return GenerationCounts.EMPTY;
    }
    try (LuceneReadOnlySearcher reader = LuceneStore.openReadOnly(dir)) {
      return new GenerationCounts(reader.documentCount(), reader.chunkCount());
    }
  }

  @Override
  public void swap(String generation) throws IOException {
    if (!holdsIndex(directory(generation))) {
      throw new IllegalArgumentException("no Lucene index for generation " + generation + " under " + root);
    }
    Files.createDirectories(root);
    Path tmp = root.resolve(POINTER + ".tmp");
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      channel.write(StandardCharsets.UTF_8.encode(generation + "\n"));
      channel.force(true); // the rename must never publish a file whose bytes are not on disk yet
    }
    try {
      Files.move(tmp, root.resolve(POINTER), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the file system under " + root + " cannot rename atomically; refusing a torn swap", e);
    }
  }

  /**
   * Deletes a generation's directory.
   *
   * @throws IllegalStateException if it is current, or a writer (in any process) still has it open
   */
  @Override
  public void drop(String generation) throws IOException {
    if (current().filter(generation::equals).isPresent()) {
      throw new IllegalStateException("generation " + generation + " is current; swap to another one first");
    }
    Path dir = directory(generation);
    if (!holdsIndex(dir)) {
      throw new IllegalArgumentException("no Lucene index for generation " + generation + " under " + root);
    }
    // Holding the write lock while deleting proves no indexer writes this generation any more.
    try (Directory directory = FSDirectory.open(dir); Lock lock = directory.obtainLock(IndexWriter.WRITE_LOCK_NAME)) {
      lock.ensureValid();
      for (String file : directory.listAll()) {
        if (!file.equals(IndexWriter.WRITE_LOCK_NAME)) {
          directory.deleteFile(file);
        }
      }
    } catch (LockObtainFailedException e) {
      throw new IllegalStateException("generation " + generation + " is still open for writing", e);
    }
    try (Stream<Path> rest = Files.walk(dir)) {
      for (Path p : rest.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static boolean holdsIndex(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Directory directory = FSDirectory.open(dir)) {
      return DirectoryReader.indexExists(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot inspect " + dir, e);
    }
  }
}
