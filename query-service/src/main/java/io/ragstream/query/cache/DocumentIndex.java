package io.ragstream.query.cache;

import io.ragstream.query.SearchResponse;
import io.ragstream.query.SearchResult;
import java.util.LinkedHashSet;
import java.util.Set;

/** The documents whose chunks a cached response holds, as {@code tenant \0 docId} references. */
final class DocumentIndex {
  private DocumentIndex() {}

  static String ref(String tenant, String docId) {
    // NUL cannot occur in a tenant name, so the pair is unambiguous
    return tenant + '\0' + docId;
  }

  static Set<String> refs(String tenant, SearchResponse response) {
    Set<String> refs = new LinkedHashSet<>();
    for (SearchResult result : response.results()) {
      refs.add(ref(tenant, result.docId()));
    }
    return refs;
  }
}
