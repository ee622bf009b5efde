package io.ragstream.indexer.store;

import java.util.Collection;
import java.util.List;

/**
 * Document permissions as the stores hold them. A chunk carries its document's ACL (principals such as
 * {@code group:eng} or {@code user:ann}) in an {@value #FIELD} field; a document without an ACL is stored without
 * the field and is visible to the whole tenant. Every store enforces visibility inside the retriever (a pre-filter,
 * never a top-k filtered down afterwards) as "the field is absent, or holds one of the caller's principals". Absent
 * rather than a marker value, so chunks indexed before ACLs existed stay visible to everyone, and indexes whose
 * mappings predate the field (Elasticsearch's are strict) keep accepting documents without an ACL.
 */
public final class DocumentAcl {
  /** The field (Lucene), source field (Elasticsearch) or payload key (Qdrant) of a chunk's ACL. */
  public static final String FIELD = "acl";

  private DocumentAcl() {}

  /** Whether a caller with these principals (null: unrestricted) sees a document with this ACL. */
  public static boolean visible(List<String> acl, Collection<String> principals) {
    return principals == null || acl == null || acl.isEmpty() || acl.stream().anyMatch(principals::contains);
  }
}
