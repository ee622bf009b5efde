package io.ragstream.query.expand;

import io.ragstream.query.answer.OpenAiChatClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Asks the configured OpenAI-compatible chat endpoint for {@code count} rephrasings, one per line. Models number or
 * bullet their lines whatever they are told, so markers are stripped; repeats (case-insensitive) and the original
 * are dropped; at most {@code count} lines are kept, so a chatty model cannot multiply the search cost.
 */
public final class LlmQueryExpander implements QueryExpander {
  static final String SYSTEM = "You rewrite search queries for a document search engine. Given a query, write "
      + "alternative phrasings that keep its meaning but use different words (synonyms, expanded abbreviations, "
      + "related technical terms). Answer with one phrasing per line and nothing else.";
  private static final Pattern MARKER = Pattern.compile("^\\s*(?:[-*•]|\\d+[.):])\\s*");

  private final OpenAiChatClient client;
  private final int count;

  public LlmQueryExpander(OpenAiChatClient client, int count) {
    this.client = Objects.requireNonNull(client, "client");
    if (count < 1 || count > 10) {
      throw new IllegalArgumentException("expansion count must be between 1 and 10, got " + count);
    }
    this.count = count;
  }

  @Override
  public String id() {
    return "llm:" + client.model() + ":" + count;
  }

  @Override
  public List<String> expand(String query) throws IOException {
    String answer = client.complete(SYSTEM, "Write " + count + " alternative phrasings of this query:\n" + query);
    return parse(answer, query, count);
  }

  static List<String> parse(String answer, String original, int count) {
    Set<String> seen = new LinkedHashSet<>();
    seen.add(normal(original));
    List<String> out = new ArrayList<>();
    for (String line : answer.split("\\R")) {
      String q = MARKER.matcher(line).replaceFirst("").strip();
      if (q.length() >= 2 && q.startsWith("\"") && q.endsWith("\"")) {
        q = q.substring(1, q.length() - 1).strip();
      }
      if (!q.isEmpty() && seen.add(normal(q))) {
        out.add(q);
        if (out.size() == count) {
          break;
        }
      }
    }
    return out;
  }

  private static String normal(String q) {
    return q.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
  }
}
