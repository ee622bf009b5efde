package io.ragstream.query.expand;

import io.ragstream.query.answer.OpenAiChatClient;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The expander from the environment: the chat endpoint of {@code /v1/answer} ({@code RAGSTREAM_LLM_BASE_URL},
 * {@code RAGSTREAM_LLM_MODEL}, {@code RAGSTREAM_LLM_API_KEY}, {@code RAGSTREAM_LLM_TIMEOUT}), asked for {@code
 * RAGSTREAM_EXPANSION_QUERIES} (default 3) phrasings; none without an endpoint, and {@code expand: true} is then a
 * 400.
 */
public final class QueryExpanders {
  public static final int DEFAULT_QUERIES = 3;

  private QueryExpanders() {}

  public static Optional<QueryExpander> fromEnvironment(Map<String, String> env) {
    String base = env.get("RAGSTREAM_LLM_BASE_URL");
    if (base == null || base.isBlank()) {
      return Optional.empty();
    }
    int count;
    try {
      count = Integer.parseInt(env.getOrDefault("RAGSTREAM_EXPANSION_QUERIES", "" + DEFAULT_QUERIES).strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("RAGSTREAM_EXPANSION_QUERIES must be a number", e);
    }
    // a search waits for the expansion, so its timeout is the search's, shorter than an answer's
    Duration timeout = Duration.parse(env.getOrDefault("RAGSTREAM_EXPANSION_TIMEOUT", "PT10S"));
    return Optional.of(new LlmQueryExpander(new OpenAiChatClient(URI.create(base), env.get("RAGSTREAM_LLM_MODEL"),
        env.get("RAGSTREAM_LLM_API_KEY"), timeout), count));
  }
}
