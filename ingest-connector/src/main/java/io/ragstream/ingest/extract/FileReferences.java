package io.ragstream.ingest.extract;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code file:} references of IngestRequests (files too large to travel inline), confined to the roots of
 * {@value #ROOTS_ENV}. An IngestRequest can come from any Kafka producer, so a reference is untrusted input: without
 * this confinement it reads whatever the process can ({@code /etc/passwd}, {@code /proc/self/environ} with the API
 * keys), and {@code /dev/zero} or a FIFO never ends or blocks the stage.
 *
 * <ul>
 *   <li>no roots (the default): every reference is refused, reason {@code reference_refused};
 *   <li>the file's real path (symbolic links resolved) must lie under a root's real path, else refused;
 *   <li>only regular files: devices, FIFOs, sockets and directories are refused before being opened;
 *   <li>at most {@code maxBytes} are read, whatever size the file claims ({@code /proc} files claim 0), else
 *       {@code too_large};
 *   <li>a reference that is not an absolute {@code file:} URI is {@code malformed_reference}; a file that is missing
 *       or unreadable is {@code unreadable_reference}.
 * </ul>
 *
 * Every failure is a property of the record, so it is dead-lettered and never retried.
 */
public final class FileReferences {
  /** Directories that references may point into, separated by the platform's path separator ({@code :}) or commas. */
  public static final String ROOTS_ENV = "RAGSTREAM_FILE_ROOTS";

  /** Why a reference was not read; {@link #reason()} is the dead-letter reason. */
  public static final class ReferenceException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String reason;

    ReferenceException(String reason, String message, Throwable cause) {
      super(message, cause);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  private final List<Path> roots;

  private FileReferences(List<Path> roots) {
    this.roots = List.copyOf(roots);
  }

  /** Refuses every reference. */
  public static FileReferences none() {
    return new FileReferences(List.of());
  }

  /** References confined to these directories, which must exist (a typo stops the stage at start-up). */
  public static FileReferences under(List<Path> roots) {
    List<Path> real = new ArrayList<>();
    for (Path root : roots) {
      try {
        Path r = root.toRealPath();
        if (!Files.isDirectory(r)) {
          throw new IllegalArgumentException(ROOTS_ENV + ": " + root + " is not a directory");
        }
        real.add(r);
      } catch (IOException e) {
        throw new IllegalArgumentException(ROOTS_ENV + ": cannot resolve " + root + ": " + e.getMessage(), e);
      }
    }
    return new FileReferences(real);
  }

  /** Reads {@value #ROOTS_ENV}; unset or blank means none. */
  public static FileReferences fromEnvironment(Map<String, String> env) {
    String spec = env.getOrDefault(ROOTS_ENV, "");
    List<Path> roots = Arrays.stream(spec.split("[,"+ File.pathSeparator + "]")).map(String::strip)
        .filter(s -> !s.isEmpty()).map(Path::of).toList();
    return under(roots);
  }

  /** The roots, real paths. */
  public List<Path> roots() {
    return roots;
  }

  /**
   * The bytes of the referenced file.
   *
   * @throws ReferenceException refused, malformed or unreadable
   * @throws ExtractionException {@code TOO_LARGE} over {@code maxBytes}
   */
  public byte[] read(String reference, long maxBytes) throws ReferenceException, ExtractionException {
    Path path = path(reference);
    if (roots.isEmpty()) {
      throw new ReferenceException("reference_refused", "file: references are not read: no " + ROOTS_ENV
          + " configured (reference " + reference + ")", null);
    }
    Path real;
    BasicFileAttributes attributes;
    try {
      real = path.toRealPath();
      attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new ReferenceException("unreadable_reference", path + ": no such file", e);
    } catch (IOException | SecurityException e) {
      throw new ReferenceException("unreadable_reference", path + ": " + e.getMessage(), e);
    }
    if (roots.stream().noneMatch(real::startsWith)) {
      throw new ReferenceException("reference_refused", path + " is outside " + ROOTS_ENV + " " + roots, null);
    }
    if (!attributes.isRegularFile()) {
      throw new ReferenceException("reference_refused", path + " is not a regular file (device, FIFO, socket or"
          + " directory)", null);
    }
    if (attributes.size() > maxBytes) {
      throw new ExtractionException(ExtractionException.Reason.TOO_LARGE,
          path + " is " + attributes.size() + " bytes, over the limit of " + maxBytes);
    }
    // NOFOLLOW_LINKS: a link swapped in after the check above is not followed out of the roots
    try (InputStream in = Channels.newInputStream(Files.newByteChannel(real,
        Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)))) {
      byte[] bytes = in.readNBytes((int) maxBytes + 1);
      if (bytes.length > maxBytes) {
        throw new ExtractionException(ExtractionException.Reason.TOO_LARGE,
            path + " holds more than the limit of " + maxBytes + " bytes");
      }
      return bytes;
    } catch (IOException e) {
      throw new ReferenceException("unreadable_reference", path + ": " + e.getMessage(), e);
    }
  }

  private static Path path(String reference) throws ReferenceException {
    try {
      URI uri = new URI(reference);
      if (!"file".equalsIgnoreCase(uri.getScheme())) {
        throw new ReferenceException("reference_refused", "unsupported reference scheme (only file: is read): "
            + reference, null);
      }
      return Path.of(uri).normalize();
    } catch (URISyntaxException | IllegalArgumentException
        | java.nio.file.FileSystemNotFoundException e) {
      throw new ReferenceException("malformed_reference", "not an absolute file: URI: " + reference, e);
    }
  }
}
