package io.ragstream.ingest.extract;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The main class of the extract child process that {@link ExtractorProcess} starts: an in-process
 * {@link TikaExtractor} serving one request at a time over stdin/stdout until stdin closes. It runs with its own
 * {@code -Xmx} and {@code -XX:+ExitOnOutOfMemoryError}, so a document that exhausts memory kills only this process.
 *
 * <p>Arguments: max bytes, parse timeout in milliseconds, write limit in characters ({@link ExtractLimits}), then
 * the OCR settings ({@link OcrSettings#toArgs}); without those, no OCR.
 */
public final class ExtractChild {

  /** One extraction, as the child performs it. */
  @FunctionalInterface
  interface Extractor {
    Extraction extract(byte[] content, String contentTypeHint, String sourceName)
        throws ExtractionException, InterruptedException;
  }

  private ExtractChild() {}

  public static void main(String[] args) throws Exception {
    // before anything else runs: constructing Tika initialises logging, and a console appender configured for
    // System.out would keep the real stdout and write log lines into the protocol (a WARN about an encrypted PDF's
    // outline corrupted the reply, the parent saw a dead child, and the document was dead-lettered as corrupt)
    DataOutputStream out = claimStdout();
    ExtractLimits limits = new ExtractLimits(Long.parseLong(args[0]), Duration.ofMillis(Long.parseLong(args[1])),
        Integer.parseInt(args[2]));
    OcrSettings ocr = args.length >= 8 ? OcrSettings.fromArgs(args, 3) : OcrSettings.OFF;
    try (TikaExtractor extractor = new TikaExtractor(limits, ocr)) {
      serve(out, extractor::extract, () -> warmUp(extractor));
    }
  }

  /**
   * The process's stdout for the protocol; {@code System.out} becomes stderr, so whatever code or library prints
   * from now on (a logging framework initialised later included) goes there. Call it first in {@code main}.
   */
  static DataOutputStream claimStdout() {
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
    System.setOut(System.err);
    return out;
  }

  /**
   * Runs {@code warmUp}, says ready on {@code out} (from {@link #claimStdout}) and serves requests until the parent
   * closes stdin.
   */
  static void serve(DataOutputStream out, Extractor extractor, Runnable warmUp) throws IOException {
    DataInputStream in = new DataInputStream(new BufferedInputStream(System.in));
    warmUp.run();
    out.writeInt(ExtractWire.READY);
    out.flush();
    while (true) {
      ExtractWire.Request request;
      try {
        request = ExtractWire.readRequest(in);
      } catch (EOFException parentGone) {
        return; // the parent closed stdin: a normal shutdown
      }
      try {
        ExtractWire.writeExtraction(out, extractor.extract(request.content(), request.contentTypeHint(),
            request.sourceName()));
      } catch (ExtractionException e) {
        ExtractWire.writeFailure(out, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ExtractWire.writeBroken(out, e);
        return;
      } catch (RuntimeException e) {
        ExtractWire.writeBroken(out, e);
      }
    }
  }

  /** Loads the text and HTML parsers before the first document, so its time limit is not spent on class loading. */
  private static void warmUp(TikaExtractor extractor) {
    try {
      extractor.extract("warm up".getBytes(StandardCharsets.UTF_8), "text/plain", "warm-up.txt");
      extractor.extract("<html><body><p>warm up</p></body></html>".getBytes(StandardCharsets.UTF_8), "text/html",
          "warm-up.html");
    } catch (ExtractionException e) {
      throw new IllegalStateException("the extractor cannot parse its own warm-up documents", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during warm-up", e);
    }
  }
}
