package io.ragstream.ingest.extract;

import io.ragstream.ingest.extract.ExtractionException.Reason;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs extractions in a long-lived child JVM with its own heap limit, restarted when it dies. A parser that hangs
 * past the time limit, or a document that exhausts the child's memory, costs one restart and becomes that document's
 * dead letter ({@link Reason#TIMEOUT}, {@link Reason#TOO_LARGE}); the extract stage itself never sees the hang or
 * the {@link OutOfMemoryError}. The child is reused across documents so the JVM start and Tika's class loading are
 * paid once, not per document.
 *
 * <p>Requests are serialized (one child, one document at a time): the extract stage runs one thread per worker.
 */
final class ExtractorProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ExtractorProcess.class);
  /** The exit status of a JVM stopped by -XX:+ExitOnOutOfMemoryError. */
  private static final int OUT_OF_MEMORY_EXIT = 3;
  /** How long the child may take to start and load Tika. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  /**
   * Beyond the parse timeout the child enforces itself: time for it to notice and reply. Only a child that ignores
   * its own limit (a parser stuck outside Java's reach, a GC death spiral) is killed by the watchdog.
   */
  private static final Duration GRACE = Duration.ofSeconds(5);

  private final ExtractLimits limits;
  private final OcrSettings ocr;
  private final int heapMb;
  private final String mainClass;
  private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("extract-child-watchdog").factory());
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Process process;
  private DataOutputStream toChild;
  private DataInputStream fromChild;
  private int starts;

  ExtractorProcess(ExtractLimits limits, OcrSettings ocr, int heapMb, String mainClass) {
    if (heapMb < 64) {
      throw new IllegalArgumentException("the extract child needs at least 64 MiB of heap, got " + heapMb);
    }
    this.limits = limits;
    this.ocr = ocr;
    this.heapMb = heapMb;
    this.mainClass = mainClass;
  }

  /** How many child processes were started so far (1 + restarts after a death). */
  synchronized int starts() {
    return starts;
  }

  synchronized Extraction extract(byte[] content, String contentTypeHint, String sourceName)
      throws ExtractionException {
    if (closed.get()) {
      throw new IllegalStateException("the extractor is closed");
    }
    Process child = ensureStarted();
    AtomicBoolean killed = new AtomicBoolean();
    ScheduledFuture<?> kill = watchdog.schedule(() -> {
      killed.set(true);
      child.destroyForcibly();
    }, longestParse().plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
    try {
      ExtractWire.writeRequest(toChild, new ExtractWire.Request(content, contentTypeHint, sourceName));
      return ExtractWire.readReply(fromChild);
    } catch (IOException childGone) {
      return died(child, killed.get(), sourceName, childGone);
    } finally {
      kill.cancel(false);
    }
  }

  /** The child died or was killed during this document: restart it next time, and blame the document. */
  private Extraction died(Process child, boolean killed, String sourceName, IOException cause)
      throws ExtractionException {
    String named = sourceName == null || sourceName.isBlank() ? "" : " (" + sourceName + ")";
    if (closed.get()) {
      throw new IllegalStateException("the extractor was closed during an extraction", cause);
    }
    int exit = awaitExit(child);
    stop();
    if (killed) {
      throw new ExtractionException(Reason.TIMEOUT, "parsing" + named + " did not finish within "
          + longestParse() + "; the extract child process was killed and restarted", cause);
    }
    if (exit == OUT_OF_MEMORY_EXIT) {
      throw new ExtractionException(Reason.TOO_LARGE, "parsing" + named + " ran out of the extract child's "
          + heapMb + " MiB heap; the child was restarted", cause);
    }
    throw new ExtractionException(Reason.CORRUPT, "the extract child process died (exit status " + exit
        + ") while parsing" + named + "; it was restarted", cause);
  }

  private Process ensureStarted() {
    if (process != null && process.isAlive()) {
      return process;
    }
    stop();
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx" + heapMb + "m", "-Xss4m",
        "-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
        "-cp", System.getProperty("java.class.path"), mainClass,
        Long.toString(limits.maxBytes()), Long.toString(limits.parseTimeout().toMillis()),
        Integer.toString(limits.writeLimitChars())));
    command.addAll(List.of(ocr.toArgs()));
    try {
      Process started = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      starts++;
      process = started;
      toChild = new DataOutputStream(new BufferedOutputStream(started.getOutputStream()));
      fromChild = new DataInputStream(new BufferedInputStream(started.getInputStream()));
      awaitReady(started);
      LOG.info("extract child process {} started (-Xmx{}m)", started.pid(), heapMb);
      return started;
    } catch (IOException e) {
      stop();
      // not the document's fault: the stage aborts the batch and retries it after a back-off
      throw new IllegalStateException("cannot start the extract child process: " + e.getMessage(), e);
    }
  }

  private void awaitReady(Process started) throws IOException {
    ScheduledFuture<?> kill = watchdog.schedule(started::destroyForcibly, START_TIMEOUT.toMillis(),
        TimeUnit.MILLISECONDS);
    try {
      int hello = fromChild.readInt();
      if (hello != ExtractWire.READY) {
        throw new IOException("the extract child process wrote " + Integer.toHexString(hello) + " instead of ready");
      }
    } finally {
      kill.cancel(false);
    }
  }

  /** The child's own limit for the slowest kind of document: one that goes through OCR may take longer. */
  private Duration longestParse() {
    Duration parse = limits.parseTimeout();
    return ocr.enabled() && ocr.documentTimeout().compareTo(parse) > 0 ? ocr.documentTimeout() : parse;
  }

  private static int awaitExit(Process child) {
    try {
      if (child.waitFor(5, TimeUnit.SECONDS)) {
        return child.exitValue();
      }
      child.destroyForcibly();
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Stops the current child, if any: closing its stdin ends it cleanly; a child that does not end is killed. */
  private void stop() {
    Process child = process;
    process = null;
    if (child == null) {
      return;
    }
    try {
      toChild.close();
    } catch (IOException alreadyGone) {
      LOG.debug("extract child's stdin was already closed: {}", alreadyGone.toString());
    }
    try {
      if (!child.waitFor(2, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    } catch (InterruptedException e) {
      child.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      Process child = process;
      if (child != null) {
        child.destroyForcibly(); // unblocks an extraction in flight; it fails with "closed", not as a dead letter
      }
      synchronized (this) {
        stop();
      }
      watchdog.shutdownNow();
    }
  }
}
