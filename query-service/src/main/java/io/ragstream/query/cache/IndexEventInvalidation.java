package io.ragstream.query.cache;

import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IndexEventKind;
import java.util.Objects;

/**
 * What an index event means for the cache, with no Kafka in it. The event arrives after the store made the change
 * visible (the indexer emits it after its commit), so once it is handled no answer computed before the change can be
 * served or stored:
 *
 * <ul>
 *   <li>chunks only removed (a delete, or an edit that only dropped text): exactly the answers holding one of the
 *       document's chunks are stale; every other ranking is unaffected;
 *   <li>chunks added (a new document, or new text): the new chunks may enter <em>any</em> ranking of the tenant,
 *       including answers that held nothing of this document, so all of the tenant's answers go. Evicting only
 *       answers holding the document would leave "search, upload, search again" stale until the TTL.
 * </ul>
 */
public final class IndexEventInvalidation {
  private final QueryCache cache;

  public IndexEventInvalidation(QueryCache cache) {
    this.cache = Objects.requireNonNull(cache, "cache");
  }

  public void apply(IndexEvent event) {
    if (event.getKind() == IndexEventKind.DELETED || event.getChunksUpserted() == 0) {
      cache.invalidate(event.getTenant(), event.getDocId());
    } else {
      cache.invalidateTenant(event.getTenant());
    }
  }
}
