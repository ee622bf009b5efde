package io.ragstream.ingest.source;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.runtime.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a folder and the index in sync ({@code ragstream publish --watch DIR}): what is there is published, then a
 * new or changed file is re-published, a removed file becomes a delete, and a rename is both. docIds are absolute
 * paths, as for {@code publish}.
 *
 * <p>The folder is rescanned every {@link Settings#interval()} rather than followed through file-system events:
 * events overflow, are lost while the watcher is down, and differ between platforms, whereas a scan compared with the
 * recorded state is the same question asked the same way after a restart. A file is published once its size and
 * modification time held still for one interval (a debounce, so a file being written is not published half-way),
 * and only when its SHA-256 differs from the one recorded, so a touch is a no-op. The state (path, size, mtime,
 * hash) is written atomically after each acknowledged publish, to {@link Settings#stateFile()}; on a restart every
 * unchanged file stays quiet and every file removed meanwhile is deleted.
 *
 * <p>Besides what its {@link Target} counts (for {@link DocumentPublisher}: {@code ragstream_source_documents_total}
 * with {@code source="watch"}), it reports {@code ragstream_source_pending_files{source="watch"}}: files changed or
 * removed but not yet published (settling, or waiting for Kafka), the folder's equivalent of a consumer's lag; and
 * {@code ragstream_source_unchanged_total{source="watch"}}: files touched without a change of content.
 */
public final class FolderWatch implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FolderWatch.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param root the folder followed, recursively
   * @param tenant the tenant every document is published to
   * @param ignore glob patterns (as {@link java.nio.file.FileSystem#getPathMatcher}) matched against each file's path
   *     relative to the root and against its name, e.g. {@code *.tmp}, {@code build/**}
   * @param hidden whether files and folders whose name starts with a dot are published (off by default)
   * @param interval time between scans, and how long a file must hold still before it is published
   * @param stateFile where the published state is kept (default: {@code .ragstream-watch.json} in the root, a
   *     hidden file and so never published itself)
   */
  public record Settings(Path root, String tenant, List<String> ignore, boolean hidden, Duration interval,
      Path stateFile) {
    public Settings {
      root = root.toAbsolutePath().normalize();
      if (!Files.isDirectory(root)) {
        throw new IllegalArgumentException(root + ": not a directory");
      }
      ignore = List.copyOf(ignore);
      ignore.forEach(glob -> FileSystems.getDefault().getPathMatcher("glob:" + glob)); // invalid → error at start
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("watch interval must be positive, was " + interval);
      }
      stateFile = (stateFile == null ? root.resolve(".ragstream-watch.json") : stateFile).toAbsolutePath()
          .normalize();
    }

    public static Settings of(Path root, String tenant) {
      return new Settings(root, tenant, List.of(), false, Duration.ofSeconds(1), null);
    }
  }

  /** Where the watch sends its work: {@link DocumentPublisher} in production. */
  public interface Target {
    /** Publishes these files (absolute paths) and returns once every request is acknowledged. */
    void publish(List<Path> files, String tenant) throws IOException;

    /** Publishes deletes of these docIds and returns once they are acknowledged. */
    void delete(List<String> docIds, String tenant);

    static Target of(DocumentPublisher publisher) {
      return new Target() {
        @Override
        public void publish(List<Path> files, String tenant) throws IOException {
          publisher.publishPaths(files, tenant, null);
        }

        @Override
        public void delete(List<String> docIds, String tenant) {
          publisher.delete(docIds, tenant);
        }
      };
    }
  }

  /** What one scan did. */
  public record Scan(List<String> published, List<String> deleted, int unchanged) {}

  /** A file as last published: its size, modification time and content hash. */
  record Entry(long size, long modified, String sha256) {}

  private final Settings settings;
  private final Target target;
  private final Consumer<String> out;
  private final List<PathMatcher> ignore;
  private final Map<String, Entry> state;
  /** Size and mtime of each changed file at the previous scan: published once they are seen again unchanged. */
  private final Map<String, Entry> settling = new TreeMap<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final MeterRegistry metrics;
  private final Gauge pendingGauge;
  private final Counter unchangedCounter;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean running;

  /**
   * @param out receives one line per published ({@code published <docId>}) or deleted ({@code deleted <docId>})
   *     document, and per file that could not be read
   */
  public FolderWatch(Settings settings, Target target, Consumer<String> out) throws IOException {
    this(settings, target, out, Metrics.registry());
  }

  /** As {@link #FolderWatch(Settings, Target, Consumer)}, reporting its gauges and counters to {@code metrics}. */
  public FolderWatch(Settings settings, Target target, Consumer<String> out, MeterRegistry metrics)
      throws IOException {
    this.settings = settings;
    this.target = target;
    this.out = out;
    this.ignore = settings.ignore().stream()
        .map(glob -> FileSystems.getDefault().getPathMatcher("glob:" + glob)).toList();
    this.state = readState(settings.stateFile());
    this.metrics = metrics;
    this.pendingGauge = Gauge.builder("ragstream.source.pending.files", pending, AtomicInteger::get)
        .description("files changed or removed that the watch has not yet published").tag("source", "watch")
        .register(metrics);
    this.unchangedCounter = Counter.builder("ragstream.source.unchanged")
        .description("changes a source saw that left the document as it was (a touch, unmapped columns)")
        .tag("source", "watch").register(metrics);
  }

  /** Files changed or removed that are not yet published: settling, or waiting for Kafka after a failed scan. */
  public int pending() {
    return pending.get();
  }

  /** Scans until {@link #close()}; a scan that fails (Kafka unreachable) is logged and repeated at the next one. */
  @Override
  public void run() {
    running = true;
    try {
      while (stop.getCount() > 0) {
        try {
          scan();
        } catch (IOException | RuntimeException e) {
          LOG.warn("watch of {}: scan failed, retrying in {} ms: {}", settings.root(), settings.interval().toMillis(),
              e.toString());
        }
        if (stop.await(settings.interval().toMillis(), TimeUnit.MILLISECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopped.countDown();
    }
  }

  /**
   * One scan: publishes the files that changed and held still since the previous scan, deletes the documents of
   * removed files, and records the new state once Kafka acknowledged both.
   */
  public Scan scan() throws IOException {
    Map<String, Entry> seen = list();
    List<Path> toPublish = new ArrayList<>();
    Map<String, Entry> published = new TreeMap<>();
    Map<String, Entry> touched = new TreeMap<>();
    int unchanged = 0;
    for (var file : seen.entrySet()) {
      String path = file.getKey();
      Entry now = file.getValue();
      Entry recorded = state.get(path);
      if (recorded != null && recorded.size() == now.size() && recorded.modified() == now.modified()) {
        settling.remove(path);
        unchanged++;
        continue;
      }
      Entry before = settling.put(path, now);
      if (before == null || before.size() != now.size() || before.modified() != now.modified()) {
        continue; // changed since the last look: wait until it holds still for one interval
      }
      String hash;
      try {
        hash = sha256(Path.of(path));
      } catch (IOException e) {
        out.accept("cannot read " + path + ": " + e.getMessage() + " (retried at the next change)");
        settling.remove(path);
        continue;
      }
      Entry entry = new Entry(now.size(), now.modified(), hash);
      if (recorded != null && recorded.sha256().equals(hash)) {
        touched.put(path, entry); // touched, same content: nothing to publish
        unchanged++;
      } else {
        toPublish.add(Path.of(path));
        published.put(path, entry);
      }
    }
    List<String> removed = state.keySet().stream().filter(path -> !seen.containsKey(path)).toList();

    try {
      if (!toPublish.isEmpty()) {
        target.publish(toPublish, settings.tenant());
      }
      if (!removed.isEmpty()) {
        target.delete(removed, settings.tenant());
      }
    } catch (IOException | RuntimeException e) {
      // still pending: the files to publish stay settling and the removals stay in the state, so the next scan
      // sends them again
      pending.set(settling.size() + removed.size());
      throw e;
    }
    published.keySet().forEach(settling::remove);
    touched.keySet().forEach(settling::remove);
    settling.keySet().retainAll(seen.keySet());
    if (!published.isEmpty() || !removed.isEmpty() || !touched.isEmpty()) {
      state.putAll(published);
      state.putAll(touched);
      removed.forEach(state::remove);
      writeState();
    }
    pending.set(settling.size());
    unchangedCounter.increment(touched.size());
    published.keySet().forEach(docId -> out.accept("published " + docId));
    removed.forEach(docId -> out.accept("deleted " + docId));
    return new Scan(List.copyOf(published.keySet()), removed, unchanged);
  }

  /** The regular files under the root with their size and mtime, hidden, ignored and the state file left out. */
  private Map<String, Entry> list() throws IOException {
    Map<String, Entry> files = new TreeMap<>();
    Files.walkFileTree(settings.root(), new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        if (!dir.equals(settings.root()) && (skippedAsHidden(dir) || ignored(dir))) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        Path absolute = file.toAbsolutePath().normalize();
        if (attrs.isRegularFile() && !absolute.equals(settings.stateFile()) && !skippedAsHidden(file)
            && !ignored(file)) {
          files.put(absolute.toString(), new Entry(attrs.size(), attrs.lastModifiedTime().toMillis(), null));
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        // vanished between listing and reading (a rename in progress), or unreadable: seen again at the next scan
        LOG.debug("watch: skipping {}: {}", file, e.toString());
        return FileVisitResult.CONTINUE;
      }
    });
    return files;
  }

  private boolean skippedAsHidden(Path path) {
    return !settings.hidden() && path.getFileName().toString().startsWith(".");
  }

  private boolean ignored(Path path) {
    Path relative = settings.root().relativize(path.toAbsolutePath().normalize());
    return ignore.stream().anyMatch(m -> m.matches(relative) || m.matches(path.getFileName()));
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static Map<String, Entry> readState(Path stateFile) throws IOException {
    Map<String, Entry> state = new TreeMap<>();
    if (!Files.exists(stateFile)) {
      return state;
    }
    try {
      var root = JSON.readTree(stateFile.toFile());
      root.path("files").properties().forEach(e -> state.put(e.getKey(), new Entry(
          e.getValue().path("size").asLong(), e.getValue().path("modified").asLong(),
          Objects.requireNonNull(e.getValue().path("sha256").textValue(), "sha256 of " + e.getKey()))));
    } catch (IOException | RuntimeException e) {
      throw new IOException(stateFile + ": unreadable watch state (remove it to publish the folder afresh): "
          + e.getMessage(), e);
    }
    return state;
  }

  /** Written to a temporary file and moved over the old one, so a crash leaves the old state or the new one. */
  private void writeState() throws IOException {
    var files = JSON.createObjectNode();
    state.forEach((path, e) -> files.putObject(path).put("size", e.size()).put("modified", e.modified())
        .put("sha256", e.sha256()));
    var root = JSON.createObjectNode();
    root.put("root", settings.root().toString());
    root.set("files", files);
    Path tmp = settings.stateFile().resolveSibling(settings.stateFile().getFileName() + ".tmp");
    try {
      JSON.writeValue(tmp.toFile(), root);
      try {
        Files.move(tmp, settings.stateFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, settings.stateFile(), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(settings.stateFile() + ": cannot write the watch state: " + e.getMessage(), e);
    }
  }

  /** Stops after the current scan and waits for it. */
  @Override
  public void close() {
    stop.countDown();
    // another watch in this process may register the gauge afresh; this one's value would be stale
    metrics.remove(pendingGauge);
    if (!running) {
      return;
    }
    try {
      stopped.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
