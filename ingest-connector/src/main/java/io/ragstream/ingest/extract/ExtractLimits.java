package io.ragstream.ingest.extract;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on one extraction, validated when constructed so a bad setting stops the stage at start-up rather than at
 * the first document.
 *
 * @param maxBytes largest input accepted; bigger inputs fail with {@link ExtractionException.Reason#TOO_LARGE}
 *     before any parsing
 * @param parseTimeout wall-clock time one parse may take before it is cancelled
 *     ({@link ExtractionException.Reason#TIMEOUT})
 * @param writeLimitChars characters of text kept per document; the rest is dropped and the result is marked truncated
 */
public record ExtractLimits(long maxBytes, Duration parseTimeout, int writeLimitChars) {

  /** 50 MiB, 60 seconds, 10 million characters. */
  public static final ExtractLimits DEFAULTS = new ExtractLimits(50L * 1024 * 1024, Duration.ofSeconds(60), 10_000_000);

  public ExtractLimits {
    Objects.requireNonNull(parseTimeout, "parseTimeout");
    if (maxBytes <= 0 || maxBytes > Integer.MAX_VALUE - 8) {
      // the whole document is held in one byte[], so a Java array's size is the hard ceiling
      throw new IllegalArgumentException("maxBytes must be in 1.." + (Integer.MAX_VALUE - 8) + ", was " + maxBytes);
    }
    if (parseTimeout.isNegative() || parseTimeout.isZero()) {
      throw new IllegalArgumentException("parseTimeout must be positive, was " + parseTimeout);
    }
    if (writeLimitChars <= 0) {
      throw new IllegalArgumentException("writeLimitChars must be positive, was " + writeLimitChars);
    }
  }

  public ExtractLimits withMaxBytes(long value) {
    return new ExtractLimits(value, parseTimeout, writeLimitChars);
  }

  public ExtractLimits withParseTimeout(Duration value) {
    return new ExtractLimits(maxBytes, value, writeLimitChars);
  }

  public ExtractLimits withWriteLimitChars(int value) {
    return new ExtractLimits(maxBytes, parseTimeout, value);
  }
}
