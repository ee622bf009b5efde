package io.ragstream.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder watch's decisions, scan by scan, against a recording target (no Kafka). */
class FolderWatchTest {
  @TempDir Path dir;

  private final List<String> published = new ArrayList<>();
  private final List<String> deleted = new ArrayList<>();
  private final List<String> lines = new ArrayList<>();
  private boolean failPublish;

  private final FolderWatch.Target target = new FolderWatch.Target() {
    @Override
    public void publish(List<Path> files, String tenant) throws IOException {
      if (failPublish) {
        throw new IOException("broker unreachable");
      }
      files.forEach(f -> published.add(f.toString()));
    }

    @Override
    public void delete(List<String> docIds, String tenant) {
      deleted.addAll(docIds);
    }
  };

  private FolderWatch.Settings settings;
  /** The registry of the watch {@link #watch()} made last: each watch its own, as each process has its own. */
  private SimpleMeterRegistry metrics;

  @BeforeEach
  void settings() {
    settings = new FolderWatch.Settings(dir, "default", List.of("*.tmp", "build/**"), false, Duration.ofSeconds(1),
        null);
  }

  @Test
  void publishesWhatIsThereOnceItHoldsStillSkippingHiddenAndIgnoredFiles() throws IOException {
    Path a = write("a.md", "# A");
    Path b = write("docs/b.txt", "bee");
    write(".hidden.txt", "secret");
    write(".git/config", "x");
    write("scratch.tmp", "tmp");
    write("build/out.txt", "generated");
    FolderWatch watch = watch();

    assertThat(watch.scan().published()).as("first sight: settling").isEmpty();
    FolderWatch.Scan second = watch.scan();

    assertThat(second.published()).containsExactlyInAnyOrder(id(a), id(b));
    assertThat(published).containsExactlyInAnyOrder(id(a), id(b));
    assertThat(lines).contains("published " + id(a), "published " + id(b));
    assertThat(Files.exists(dir.resolve(".ragstream-watch.json"))).isTrue();
    assertThat(watch.scan().published()).isEmpty();
  }

  @Test
  void aTouchIsANoOpAnEditIsRepublishedARemovalIsADeleteARenameIsBoth() throws IOException {
    Path a = write("a.txt", "alpha");
    Path b = write("b.txt", "beta");
    FolderWatch watch = settled();

    Files.setLastModifiedTime(a, FileTime.fromMillis(Files.getLastModifiedTime(a).toMillis() + 5_000));
    watch.scan();
    assertThat(watch.scan().published()).as("same content, new mtime").isEmpty();

    write("a.txt", "alpha, edited");
    bumpMtime(a);
    watch.scan();
    assertThat(watch.scan().published()).containsExactly(id(a));

    Files.delete(b);
    assertThat(watch.scan().deleted()).as("a removal needs no settling").containsExactly(id(b));

    Path renamed = Files.move(a, dir.resolve("a-renamed.txt"));
    FolderWatch.Scan rename = watch.scan();
    assertThat(rename.deleted()).containsExactly(id(a));
    assertThat(watch.scan().published()).containsExactly(id(renamed));
  }

  @Test
  void aRestartPublishesNothingUnchangedAndCatchesUpOnChangesAndRemovalsMadeWhileItWasDown() throws IOException {
    Path a = write("a.txt", "alpha");
    Path b = write("b.txt", "beta");
    Path c = write("c.txt", "gamma");
    settled();
    published.clear();

    // while the watch is down: b removed, c edited, d added
    Files.delete(b);
    write("c.txt", "gamma, edited");
    bumpMtime(c);
    Path d = write("d.txt", "delta");

    FolderWatch restarted = watch();
    FolderWatch.Scan first = restarted.scan();
    assertThat(first.deleted()).containsExactly(id(b));
    FolderWatch.Scan second = restarted.scan();
    assertThat(second.published()).containsExactlyInAnyOrder(id(c), id(d));
    assertThat(published).as("a is unchanged").containsExactlyInAnyOrder(id(c), id(d)).doesNotContain(id(a));
  }

  @Test
  void aFailedPublishIsNotRecordedSoTheNextScanPublishesAgain() throws IOException {
    Path a = write("a.txt", "alpha");
    FolderWatch watch = watch();
    watch.scan();
    failPublish = true;
    assertThatThrownBy(watch::scan).hasMessageContaining("broker unreachable");
    failPublish = false;

    FolderWatch.Scan retried = watch.scan();
    assertThat(retried.published()).containsExactly(id(a));
  }

  @Test
  void itReportsFilesNotYetPublishedAsPendingAndTouchesAsUnchanged() throws IOException {
    Path a = write("a.txt", "alpha");
    write("b.txt", "beta");
    FolderWatch watch = watch();
    watch.scan();
    assertThat(pendingFiles()).as("both settling").isEqualTo(2);
    watch.scan();
    assertThat(pendingFiles()).as("both published").isZero();

    bumpMtime(a);
    watch.scan();
    assertThat(pendingFiles()).as("a touched: settling").isEqualTo(1);
    watch.scan();
    assertThat(pendingFiles()).isZero();
    assertThat(metrics.get("ragstream.source.unchanged").tag("source", "watch").counter().count()).isEqualTo(1);

    write("c.txt", "gamma");
    watch.scan();
    failPublish = true;
    assertThatThrownBy(watch::scan).hasMessageContaining("broker unreachable");
    assertThat(pendingFiles()).as("c is still to publish").isEqualTo(1);
    assertThat(watch.pending()).isEqualTo(1);
    failPublish = false;
    watch.scan();
    assertThat(pendingFiles()).isZero();
  }

  @Test
  void aFolderThatIsNotThereIsAClearError() {
    assertThatThrownBy(() -> new FolderWatch.Settings(dir.resolve("missing"), "default", List.of(), false,
        Duration.ofSeconds(1), null)).hasMessageContaining("missing").hasMessageContaining("not a directory");
  }

  private FolderWatch settled() throws IOException {
    FolderWatch watch = watch();
    watch.scan();
    watch.scan();
    return watch;
  }

  private FolderWatch watch() throws IOException {
    metrics = new SimpleMeterRegistry();
    return new FolderWatch(settings, target, lines::add, metrics);
  }

  private double pendingFiles() {
    return metrics.get("ragstream.source.pending.files").tag("source", "watch").gauge().value();
  }

  private Path write(String relative, String text) throws IOException {
    Path file = dir.resolve(relative);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  /** File systems keep mtimes at a coarse grain: an edit within it must still be seen as a change. */
  private static void bumpMtime(Path file) throws IOException {
    Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 10_000));
  }

  private String id(Path file) {
    return file.toAbsolutePath().normalize().toString();
  }
}
