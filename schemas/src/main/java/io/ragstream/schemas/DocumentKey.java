package io.ragstream.schemas;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.utils.Utils;

/**
 * The identity of a document: (tenant, docId). The one place that says how it is written as a Kafka key, a state
 * store key and a tombstone's headers, and how document-keyed records are partitioned; every stage goes through it.
 *
 * <p>Encoding: {@code <tenant> U+001F <docId>} (the ASCII unit separator), except that the {@value #DEFAULT_TENANT}
 * tenant is the bare docId. U+001F cannot occur in either part: tenants and docIds are refused with control characters
 * at the edge ({@code InputLimits}, {@code ApiKeys}), and {@link #of} refuses them for every other way in. The bare form
 * for the default tenant is the pre-tenant key format: a single-tenant deployment's keys, chunk ids and store ids are
 * unchanged by tenant-scoped identity, and a key written by an older version (no separator) reads as the default
 * tenant's document, or, where a record value is at hand, as the value's (tenant, docId).
 *
 * <p>Partitioning follows the docId alone ({@link #partition}): records of one document written before and after the
 * upgrade (legacy key {@code docId}, new key {@code tenant␟docId}) land in the same partition, so a document's versions
 * (ingest offsets) stay monotonic and its records stay in order. Two tenants' documents of the same docId share a
 * partition, which costs nothing but co-location.
 */
public record DocumentKey(String tenant, String docId) {
  /** The tenant of records that name none, and of keys written before keys carried a tenant. */
  public static final String DEFAULT_TENANT = "default";
  /** Between tenant and docId in an encoded key; a control character, so never part of a valid tenant or docId. */
  public static final char SEPARATOR = '\u001F';
  /** Header of a tombstone (which has no value to say it): the tenant of its document. Absent on older tombstones. */
  public static final String TENANT_HEADER = ErrorHeaders.TENANT;

  public DocumentKey {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(docId, "docId");
    if (tenant.isEmpty() || tenant.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException("tenant must be non-empty and free of U+001F: '" + escaped(tenant) + "'");
    }
    if (docId.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException("docId must not contain U+001F: '" + escaped(docId) + "'");
    }
  }

  /** A document of {@code tenant} (null: the default tenant). */
  public static DocumentKey of(String tenant, String docId) {
    return new DocumentKey(tenant == null ? DEFAULT_TENANT : tenant, docId);
  }

  /**
   * The document an encoded key names. A key without the separator is the default tenant's (also every key written
   * before keys carried a tenant: use {@link #isLegacy} where that difference matters).
   */
  public static DocumentKey parse(String key) {
    Objects.requireNonNull(key, "key");
    int sep = key.indexOf(SEPARATOR);
    return sep < 0 ? new DocumentKey(DEFAULT_TENANT, key) : new DocumentKey(key.substring(0, sep),
        key.substring(sep + 1));
  }

  /** As {@link #parse(String)}, from a record key's UTF-8 bytes. */
  public static DocumentKey parse(byte[] key) {
    return parse(new String(key, StandardCharsets.UTF_8));
  }

  /** True for a key without a tenant part: the default tenant's, or written by a version before tenant keys. */
  public static boolean isLegacy(String key) {
    return key.indexOf(SEPARATOR) < 0;
  }

  /** The Kafka key, state store key and chunk-id seed of this document. */
  public String encoded() {
    return DEFAULT_TENANT.equals(tenant) ? docId : tenant + SEPARATOR + docId;
  }

  /** {@link #encoded()} as UTF-8, the record key. */
  public byte[] bytes() {
    return encoded().getBytes(StandardCharsets.UTF_8);
  }

  /** The key of {@code tenant}'s {@code docId}; shorthand for {@code of(tenant, docId).encoded()}. */
  public static String encode(String tenant, String docId) {
    return of(tenant, docId).encoded();
  }

  /**
   * The partition of a document-keyed record: murmur2 of the docId's UTF-8 bytes, which is Kafka's default
   * partitioner for a legacy key. Records of one document share a partition whatever their key format.
   */
  public static int partition(byte[] key, int numPartitions) {
    String text = new String(key, StandardCharsets.UTF_8);
    int sep = text.indexOf(SEPARATOR);
    byte[] docId = sep < 0 ? key : text.substring(sep + 1).getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(docId)) % numPartitions;
  }

  /** Marks a tombstone with its document: {@code ragstream.docId} (the docId, as before) and the tenant header. */
  public void addTo(Headers headers) {
    headers.remove(ErrorHeaders.DOC_ID);
    headers.remove(TENANT_HEADER);
    headers.add(ErrorHeaders.DOC_ID, docId.getBytes(StandardCharsets.UTF_8));
    headers.add(TENANT_HEADER, tenant.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The document a tombstone's headers name, or null without a docId header. A tombstone from before the tenant
   * header (docId only) is read as the default tenant's, which is what its chunk ids and keys were derived from.
   */
  public static DocumentKey fromHeaders(Headers headers) {
    String docId = header(headers, ErrorHeaders.DOC_ID);
    if (docId == null) {
      return null;
    }
    String tenant = header(headers, TENANT_HEADER);
    return of(tenant == null || tenant.isEmpty() ? DEFAULT_TENANT : tenant, docId);
  }

  /** The tenant header alone, or null where the record has none (a record of an older version). */
  public static String tenantHeader(Headers headers) {
    return header(headers, TENANT_HEADER);
  }

  /** For logs and CLI output: {@code tenant/docId}, control characters escaped. */
  @Override
  public String toString() {
    return escaped(tenant) + "/" + escaped(docId);
  }

  /**
   * An encoded key for people (logs, CLI output): {@code tenant/docId} for a key with a tenant part, the docId for a
   * bare one, control characters escaped. Never throws, whatever the bytes.
   */
  public static String display(String key) {
    if (key == null) {
      return "(null)";
    }
    int sep = key.indexOf(SEPARATOR);
    return sep < 0 ? escaped(key) : escaped(key.substring(0, sep)) + "/" + escaped(key.substring(sep + 1));
  }

  private static String header(Headers headers, String name) {
    var h = headers == null ? null : headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static String escaped(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints().forEach(c -> {
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }
}
