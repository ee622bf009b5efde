package io.ragstream.ingest.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code file:} references on a real file system: confined to the roots, regular files only, bounded reads. */
class FileReferencesTest {
  private static final long MAX = 1024;

  @TempDir Path root;
  @TempDir Path elsewhere;

  @Test
  void readsARegularFileUnderARoot() throws Exception {
    Path file = Files.writeString(root.resolve("doc.txt"), "hello");
    assertThat(FileReferences.under(List.of(root)).read(file.toUri().toString(), MAX))
        .isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void withoutRootsEveryReferenceIsRefused() throws Exception {
    Path file = Files.writeString(root.resolve("doc.txt"), "hello");
    assertThat(FileReferences.fromEnvironment(Map.of()).roots()).isEmpty();
    assertReason(FileReferences.none(), file.toUri().toString(), "reference-refused");
    assertReason(FileReferences.none(), "file:///etc/passwd", "reference-refused");
  }

  @Test
  void aFileOutsideTheRootsIsRefusedHoweverItIsNamed() throws Exception {
    FileReferences refs = FileReferences.under(List.of(root));
    Path outside = Files.writeString(elsewhere.resolve("secret.txt"), "secret");
    assertReason(refs, outside.toUri().toString(), "reference-refused");
    assertReason(refs, "file:///etc/passwd", "reference-refused");
    assertReason(refs, "file:///proc/self/environ", "reference-refused");
    // .. segments and symbolic links are resolved before the check
    assertReason(refs, root.toUri() + "../" + elsewhere.getFileName() + "/secret.txt", "reference-refused");
    Path link = Files.createSymbolicLink(root.resolve("link.txt"), outside);
    assertReason(refs, link.toUri().toString(), "reference-refused");
  }

  @Test
  void devicesFifosAndDirectoriesAreRefusedWithoutBeingOpened() throws Exception {
    assumeThat(Path.of("/dev/zero")).exists();
    FileReferences dev = FileReferences.under(List.of(Path.of("/dev")));
    assertReason(dev, "file:///dev/zero", "reference-refused");
    FileReferences refs = FileReferences.under(List.of(root));
    Path zeroLink = Files.createSymbolicLink(root.resolve("zero"), Path.of("/dev/zero"));
    assertReason(refs, zeroLink.toUri().toString(), "reference-refused"); // resolves outside the root
    Path fifo = root.resolve("pipe");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(mkfifo.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assumeThat(mkfifo.exitValue()).as("mkfifo available").isZero();
    // opening a FIFO for reading would block until a writer comes: refused before that
    assertReason(refs, fifo.toUri().toString(), "reference-refused");
    assertReason(refs, root.toUri().toString(), "reference-refused");
  }

  @Test
  void malformedAndMissingReferencesAreNamedAsSuch() throws Exception {
    FileReferences refs = FileReferences.under(List.of(root));
    assertReason(refs, "not a uri at all %%", "malformed-reference");
    assertReason(refs, "file:relative/path", "malformed-reference");
    assertReason(refs, "file://host/share/doc.txt", "malformed-reference");
    assertReason(refs, "http://example.com/doc.pdf", "reference-refused");
    assertReason(refs, root.resolve("missing.txt").toUri().toString(), "unreadable-reference");
  }

  @Test
  void readsAreBoundedWhateverSizeTheFileClaims() throws Exception {
    Path big = root.resolve("big.bin");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(MAX + 1); // sparse
    }
    assertThatThrownBy(() -> FileReferences.under(List.of(root)).read(big.toUri().toString(), MAX))
        .isInstanceOfSatisfying(ExtractionException.class,
            e -> assertThat(e.reason()).isEqualTo(ExtractionException.Reason.TOO_LARGE));
  }

  @Test
  void aRootThatDoesNotExistStopsTheStageAtStartUp() {
    assertThatThrownBy(() -> FileReferences.fromEnvironment(Map.of(FileReferences.ROOTS_ENV,
        root + "," + root.resolve("nope")))).hasMessageContaining(FileReferences.ROOTS_ENV)
        .hasMessageContaining("nope");
  }

  private static void assertReason(FileReferences refs, String reference, String reason) {
    assertThatThrownBy(() -> refs.read(reference, MAX)).as(reference)
        .isInstanceOfSatisfying(FileReferences.ReferenceException.class,
            e -> assertThat(e.reason()).as(reference + ": " + e.getMessage()).isEqualTo(reason));
  }
}
