package io.ragstream.indexer.qdrant;

import com.google.common.util.concurrent.ListenableFuture;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for a Qdrant call and turns every failure into an {@link IOException} naming the operation. The store SPI
 * speaks IOException: the indexer retries it with back-off and pauses consumption, which is right for what gRPC
 * reports here (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED while Qdrant restarts or is overloaded). Input
 * Qdrant would refuse for good (a wrong vector size) is rejected before it is sent, so it never loops here.
 */
final class QdrantCalls {
  private QdrantCalls() {}

  static <T> T await(ListenableFuture<T> call, Duration timeout, String what) throws IOException {
    try {
      // The request carries the same deadline; the extra second lets gRPC report its own status first.
      return call.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted = new InterruptedIOException("interrupted during qdrant " + what);
      interrupted.initCause(e);
      throw interrupted;
    } catch (ExecutionException e) {
      throw new IOException("qdrant " + what + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new IOException("qdrant " + what + " timed out after " + timeout, e);
    }
  }
}
