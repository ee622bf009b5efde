package io.ragstream.indexer.elastic;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.aggregations.CompositeAggregate;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import java.io.IOException;
import java.util.Map;

/**
 * Exact counts of one index, shared by the store (a generation being built) and the catalog (the served one).
 * Chunks: the {@code _count} API. Distinct documents: the pages of a composite aggregation on {@code docId}
 * ({@link ElasticRequests#documentIds}), whose buckets are counted and dropped, so memory stays one page. Both see
 * the last refresh; every write of the store waits for one ({@code refresh=wait_for}), so they see every
 * acknowledged write.
 */
final class ElasticCounts {
  static final int PAGE = 10_000;

  private ElasticCounts() {}

  static long chunks(ElasticsearchClient client, String index) throws IOException {
    return client.count(c -> c.index(index)).count();
  }

  static long documents(ElasticsearchClient client, String index) throws IOException {
    long documents = 0;
    Map<String, FieldValue> after = null;
    while (true) {
      SearchResponse<Void> page = client.search(ElasticRequests.documentIds(index, PAGE, after), Void.class);
      CompositeAggregate composite = page.aggregations().get(ElasticRequests.DOCUMENT_IDS).composite();
      int buckets = composite.buckets().array().size();
      documents += buckets;
      // the after_key is present while there may be more; a short page is the last one
      if (buckets < PAGE || composite.afterKey() == null || composite.afterKey().isEmpty()) {
        return documents;
      }
      after = composite.afterKey();
    }
  }
}
