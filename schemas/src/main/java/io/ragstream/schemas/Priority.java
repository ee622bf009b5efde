package io.ragstream.schemas;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The live lane: a record header, {@code ragstream.priority: live}, that the ingest edge sets on a single document
 * a person is waiting for (an HTTP upload) and every stage copies onto the records it derives from it (extract onto
 * the extracted document, the chunker onto each chunk and tombstone, the embedder onto each embedding). A stage that
 * runs a lane ({@code TransactionalStage.Lanes}) serves a live document's records before the bulk backlog polled
 * ahead of them. Bulk sources (publish, folder watch, CDC, topic sources, eval, replay) never set it. See
 * docs/RELIABILITY.md, "The live lane".
 */
public final class Priority {
  /** The header's name. */
  public static final String HEADER = "ragstream.priority";
  /** The one value the stages act on. */
  public static final String LIVE = "live";

  private static final byte[] LIVE_BYTES = LIVE.getBytes(StandardCharsets.UTF_8);

  private Priority() {}

  /** Whether the record is in the live lane. */
  public static boolean isLive(Headers headers) {
    Header h = headers == null ? null : headers.lastHeader(HEADER);
    return h != null && h.value() != null && LIVE.equals(new String(h.value(), StandardCharsets.UTF_8));
  }

  /** Puts the record in the live lane. */
  public static void markLive(Headers headers) {
    headers.remove(HEADER);
    headers.add(HEADER, LIVE_BYTES.clone());
  }

  /** Carries the live mark from an input record onto a record derived from it (nothing when the input has none). */
  public static void propagate(Headers from, Headers to) {
    if (isLive(from)) {
      markLive(to);
    }
  }
}
