package io.ragstream.indexer.elastic;

import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.bulk.OperationType;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one bulk response means, item by item, decided in one place: success (including deleting what was already
 * gone), retriable (429 rejected execution, 5xx: the node is busy or recovering), or rejected for good (any other
 * 4xx, e.g. a mapping rejection), which the indexer dead-letters.
 *
 * @param retry chunk ids whose operation should be sent again
 * @param rejected chunk id → Elasticsearch's reason
 */
public record BulkOutcome(Set<String> retry, Map<String, String> rejected) {

  public static BulkOutcome of(BulkResponse response) {
    Set<String> retry = new LinkedHashSet<>();
    Map<String, String> rejected = new LinkedHashMap<>();
    if (response.errors()) {
      for (BulkResponseItem item : response.items()) {
        classify(item.operationType(), item.status(), item.id(),
            item.error() == null ? null : item.error().type() + ": " + item.error().reason(), retry, rejected);
      }
    }
    return new BulkOutcome(retry, rejected);
  }

  static void classify(OperationType type, int status, String id, String reason, Set<String> retry,
      Map<String, String> rejected) {
    if (status < 300 || (type == OperationType.Delete && status == 404)) {
      return;
    }
    if (status == 429 || status >= 500) {
      retry.add(id);
    } else {
      rejected.put(id, status + " " + reason);
    }
  }
}
