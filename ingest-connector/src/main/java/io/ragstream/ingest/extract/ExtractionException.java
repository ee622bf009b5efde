package io.ragstream.ingest.extract;

import java.util.Objects;

/**
 * Why a document could not be extracted. Every reason is a property of the input, not of the stage, so the record
 * belongs in the dead-letter topic: {@link #reason()} is the short machine-readable value for the reason header and
 * {@link #getMessage()} the human one.
 */
public final class ExtractionException extends Exception {

  /** The failure taxonomy of the extract stage. */
  public enum Reason {
    /** Zero bytes, or a document without any text (e.g. a scanned PDF, an image). */
    EMPTY,
    /** Over {@link ExtractLimits#maxBytes()}, or expanding beyond Tika's own memory limits (zip bombs). */
    TOO_LARGE,
    /** Parsing did not finish within {@link ExtractLimits#parseTimeout()}. */
    TIMEOUT,
    /** Password-protected or otherwise encrypted. */
    ENCRYPTED,
    /** The bytes do not parse as the detected format. */
    CORRUPT
  }

  private final Reason reason;

  public ExtractionException(Reason reason, String message) {
    this(reason, message, null);
  }

  public ExtractionException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
