package io.ragstream.chunker;

import java.util.List;
import java.util.Map;

/**
 * A chunk before it gets its id: the heading path, the repeated context it starts with (overlap, a table header, a
 * list's lead-in; may be empty) and its own body, which no other chunk holds.
 *
 * @param kind text, list, table, code or mixed
 */
record Draft(List<String> headings, String context, String body, String kind, Map<String, String> metadata) {}
