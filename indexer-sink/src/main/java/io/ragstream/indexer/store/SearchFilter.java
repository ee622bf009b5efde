package io.ragstream.indexer.store;

import java.util.Map;

/**
 * Restrictions applied inside each retriever, before fusion.
 *
 * @param tenant only chunks of this tenant (never null: tenancy is not optional)
 * @param metadata exact-match conditions on metadata keys, all of which must hold
 * @param docId only chunks of this document, or null for any
 */
public record SearchFilter(String tenant, Map<String, String> metadata, String docId) {
  public SearchFilter {
    if (tenant == null || tenant.isBlank()) {
      throw new IllegalArgumentException("tenant is required");
    }
    metadata = Map.copyOf(metadata);
  }

  public static SearchFilter tenant(String tenant) {
    return new SearchFilter(tenant, Map.of(), null);
  }
}
