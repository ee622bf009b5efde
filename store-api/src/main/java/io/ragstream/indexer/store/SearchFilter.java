package io.ragstream.indexer.store;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Restrictions applied inside each retriever, before fusion and before top-k.
 *
 * @param tenant only chunks of this tenant (never null: tenancy is not optional)
 * @param metadata exact-match conditions on metadata keys, all of which must hold
 * @param docId only chunks of this document, or null for any
 * @param principals the caller's principals for document ACLs ({@link DocumentAcl}): only chunks whose document has
 *     no ACL or an ACL naming one of them; null when unrestricted (open mode, internal callers)
 */
public record SearchFilter(String tenant, Map<String, String> metadata, String docId, Set<String> principals) {
  public SearchFilter {
    if (tenant == null || tenant.isBlank()) {
      throw new IllegalArgumentException("tenant is required");
    }
    metadata = Map.copyOf(metadata);
    // sorted: the filter is part of cache keys, whose text must not depend on the order keys list principals in
    principals = principals == null ? null : Set.copyOf(new TreeSet<>(principals));
  }

  /** Without ACL restriction. */
  public SearchFilter(String tenant, Map<String, String> metadata, String docId) {
    this(tenant, metadata, docId, null);
  }

  public static SearchFilter tenant(String tenant) {
    return new SearchFilter(tenant, Map.of(), null);
  }

  /** This filter restricted to what {@code callerPrincipals} may see (null: unrestricted). */
  public SearchFilter withPrincipals(Collection<String> callerPrincipals) {
    return new SearchFilter(tenant, metadata, docId, callerPrincipals == null ? null : Set.copyOf(callerPrincipals));
  }
}
