package io.ragstream.runtime.stage;

import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * What a stage's {@code /ready} and {@code /health} answer. Ready: its workers and Streams clients run, so it does
 * its job; healthy: it has not failed for good. A stage that is unhealthy never becomes healthy again, so a stage
 * process exits on it (see {@link StageHandle#failure()}) and its supervisor starts a fresh one.
 */
public interface Health {
  /** Empty while ready, else why not (shown in the {@code /ready} answer). */
  Optional<String> notReady();

  /** The fatal failure that stopped the stage for good, if any. */
  default Optional<Throwable> failure() {
    return Optional.empty();
  }

  default boolean isReady() {
    return notReady().isEmpty();
  }

  default boolean isHealthy() {
    return failure().isEmpty();
  }

  /** Ready while {@code ready} says so; never failed. */
  static Health of(BooleanSupplier ready) {
    return () -> ready.getAsBoolean() ? Optional.empty() : Optional.of("not ready");
  }

  /** Ready and healthy when every part is; the first part that is not gives the reason. */
  static Health all(Iterable<? extends Health> parts) {
    return new Health() {
      @Override
      public Optional<String> notReady() {
        for (Health part : parts) {
          Optional<String> reason = part.notReady();
          if (reason.isPresent()) {
            return reason;
          }
        }
        return Optional.empty();
      }

      @Override
      public Optional<Throwable> failure() {
        for (Health part : parts) {
          Optional<Throwable> failure = part.failure();
          if (failure.isPresent()) {
            return failure;
          }
        }
        return Optional.empty();
      }
    };
  }
}
