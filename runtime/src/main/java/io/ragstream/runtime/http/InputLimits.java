package io.ragstream.runtime.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The bounds on what a client may send, checked at the edge (HTTP, CLI) so that no stage downstream meets an id,
 * name or metadata map it cannot key, log, store or search: a violation is an {@link IllegalArgumentException}
 * naming the field and the limit (400 JSON over HTTP through {@link SafeHandler}). docs/RELIABILITY.md lists them.
 *
 * <p>Why these numbers: a docId becomes a Kafka key, a Lucene term and an Elasticsearch {@code _id} (512 bytes max in
 * Elasticsearch); metadata rides on every chunk of the document into every store; each filter becomes one clause of
 * a Boolean query (Lucene refuses more than 1,024 in all); a query is embedded and analysed per request.
 */
public final class InputLimits {
  /** Elasticsearch's own {@code _id} limit; ids are compared byte-wise everywhere. */
  public static final int MAX_DOC_ID_BYTES = 512;
  public static final int MAX_TENANT_CHARS = 128;
  public static final int MAX_NAME_BYTES = 1024;
  public static final int MAX_METADATA_ENTRIES = 32;
  public static final int MAX_METADATA_KEY_CHARS = 128;
  public static final int MAX_METADATA_VALUE_CHARS = 1024;
  public static final int MAX_QUERY_CHARS = 4096;
  public static final int MAX_FILTERS = 32;

  /**
   * Keys of metadata a client attaches: no dot, because a dot is a path separator in Qdrant's payload filters (a key
   * {@code a.b} would be stored flat and searched nested), so such a key could not be filtered on every store.
   */
  private static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_:-]*");
  /** Filter keys: metadata keys plus the dotted ones the pipeline itself sets ({@code chunk.kind}). */
  private static final Pattern FILTER_KEY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]*");

  private InputLimits() {}

  /** A docId: non-blank, at most {@value #MAX_DOC_ID_BYTES} UTF-8 bytes, no control characters. */
  public static String docId(String docId) {
    if (docId == null || docId.isBlank()) {
      throw new IllegalArgumentException("docId must not be blank");
    }
    int bytes = docId.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_DOC_ID_BYTES) {
      throw new IllegalArgumentException("docId is " + bytes + " bytes, over the limit of " + MAX_DOC_ID_BYTES);
    }
    noControl("docId", docId);
    return docId;
  }

  /** A tenant: non-blank, at most {@value #MAX_TENANT_CHARS} characters, no whitespace or control characters. */
  public static String tenant(String tenant) {
    if (tenant == null || tenant.isBlank()) {
      throw new IllegalArgumentException("tenant must not be blank");
    }
    if (tenant.length() > MAX_TENANT_CHARS) {
      throw new IllegalArgumentException("tenant is " + tenant.length() + " characters, over the limit of "
          + MAX_TENANT_CHARS);
    }
    noControl("tenant", tenant);
    if (tenant.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("tenant must not contain whitespace: '" + printable(tenant) + "'");
    }
    return tenant;
  }

  /** A source name (the upload's file name), null allowed: at most {@value #MAX_NAME_BYTES} bytes, printable. */
  public static String name(String name) {
    if (name == null) {
      return null;
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_NAME_BYTES) {
      throw new IllegalArgumentException("name is " + bytes + " bytes, over the limit of " + MAX_NAME_BYTES);
    }
    noControl("name", name);
    return name;
  }

  /** Document metadata: at most {@value #MAX_METADATA_ENTRIES} entries of bounded, printable keys and values. */
  public static Map<String, String> metadata(Map<String, String> metadata) {
    entries("metadata", "meta.", metadata, MAX_METADATA_ENTRIES, METADATA_KEY, "'_', ':' and '-'");
    return metadata;
  }

  /** Principals of one document's ACL (and of a key): at most this many. */
  public static final int MAX_ACL_ENTRIES = 64;

  private static final java.util.regex.Pattern PRINCIPAL = java.util.regex.Pattern.compile("[^\\s=,|\\p{Cntrl}]{1,128}");

  /**
   * A document's ACL: at most {@value #MAX_ACL_ENTRIES} principals (e.g. {@code group:eng}, {@code user:ann}), each
   * 1 to 128 characters without spaces, control characters, {@code =}, {@code ,} or {@code |} (the rule the keys'
   * principals follow, so every principal a key can hold can be named in an ACL). Duplicates are dropped.
   */
  public static java.util.List<String> acl(java.util.List<String> acl) {
    if (acl == null) {
      return java.util.List.of();
    }
    if (acl.size() > MAX_ACL_ENTRIES) {
      throw new IllegalArgumentException("acl has " + acl.size() + " entries, over the limit of " + MAX_ACL_ENTRIES);
    }
    for (String principal : acl) {
      if (principal == null || !PRINCIPAL.matcher(principal).matches()) {
        throw new IllegalArgumentException("acl entry '" + printable(String.valueOf(principal)) + "' is not a"
            + " principal: 1 to 128 characters without spaces, control characters, '=', ',' or '|'");
      }
    }
    return java.util.List.copyOf(new java.util.LinkedHashSet<>(acl));
  }

  /** Search filters: at most {@value #MAX_FILTERS}, keys and values bounded like metadata. */
  public static Map<String, String> filters(Map<String, String> filters) {
    entries("filter", "filter.", filters, MAX_FILTERS, FILTER_KEY, "'_', '.', ':' and '-'");
    return filters;
  }

  /** A query text: at most {@value #MAX_QUERY_CHARS} characters. */
  public static String query(String query) {
    if (query != null && query.length() > MAX_QUERY_CHARS) {
      throw new IllegalArgumentException("query is " + query.length() + " characters, over the limit of "
          + MAX_QUERY_CHARS);
    }
    return query;
  }

  private static void entries(String what, String prefix, Map<String, String> entries, int max, Pattern keys,
      String punctuation) {
    if (entries == null) {
      return;
    }
    if (entries.size() > max) {
      throw new IllegalArgumentException(what + " has " + entries.size() + " entries, over the limit of " + max);
    }
    entries.forEach((key, value) -> {
      if (key == null || key.length() > MAX_METADATA_KEY_CHARS || !keys.matcher(key).matches()) {
        throw new IllegalArgumentException(what + " key '" + printable(String.valueOf(key)) + "' must be 1 to "
            + MAX_METADATA_KEY_CHARS + " characters of letters, digits, " + punctuation + " (" + prefix
            + "KEY=VALUE)");
      }
      if (value == null) {
        throw new IllegalArgumentException(what + " '" + key + "' has no value");
      }
      if (value.length() > MAX_METADATA_VALUE_CHARS) {
        throw new IllegalArgumentException(what + " '" + key + "' is " + value.length()
            + " characters, over the limit of " + MAX_METADATA_VALUE_CHARS);
      }
      noControl(what + " '" + key + "'", value);
    });
  }

  private static void noControl(String what, String value) {
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new IllegalArgumentException(what + " must not contain control characters: '" + printable(value)
            + "'");
      }
    }
  }

  /**
   * The text with every control character escaped ({@code \n}, {@code \t}, {@code \u001b}...), and backslashes
   * doubled so an escape cannot be forged: safe to print in a log line or a terminal (no forged lines, no terminal
   * escape sequences). Null stays {@code "null"}.
   */
  public static String printable(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String escape = switch (c) {
        case '\\' -> "\\\\";
        case '\n' -> "\\n";
        case '\r' -> "\\r";
        case '\t' -> "\\t";
        default -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? String.format("\\u%04x", (int) c)
            : null;
      };
      if (escape != null && out == null) {
        out = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (out != null) {
        if (escape != null) {
          out.append(escape);
        } else {
          out.append(c);
        }
      }
    }
    return out == null ? text : out.toString();
  }
}
