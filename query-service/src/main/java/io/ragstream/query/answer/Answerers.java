package io.ragstream.query.answer;

import io.ragstream.query.SearchService;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Chooses the answerer from the environment: with {@code RAGSTREAM_LLM_BASE_URL} (and {@code RAGSTREAM_LLM_MODEL},
 * optionally {@code RAGSTREAM_LLM_API_KEY}, {@code RAGSTREAM_LLM_CONTEXT_TOKENS} default 2000, {@code
 * RAGSTREAM_LLM_TIMEOUT} default PT60S) a {@link GenerativeAnswerer}, otherwise the {@link ExtractiveAnswerer}.
 */
public final class Answerers {
  public static final int DEFAULT_CONTEXT_TOKENS = 2000;

  private Answerers() {}

  public static Answerer fromEnvironment(Map<String, String> env, SearchService search) {
    String base = env.get("RAGSTREAM_LLM_BASE_URL");
    if (base == null || base.isBlank()) {
      return new ExtractiveAnswerer(search);
    }
    String model = env.get("RAGSTREAM_LLM_MODEL");
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("RAGSTREAM_LLM_BASE_URL is set, so RAGSTREAM_LLM_MODEL is required");
    }
    int budget;
    try {
      budget = Integer.parseInt(env.getOrDefault("RAGSTREAM_LLM_CONTEXT_TOKENS",
          Integer.toString(DEFAULT_CONTEXT_TOKENS)).strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("RAGSTREAM_LLM_CONTEXT_TOKENS must be a number", e);
    }
    Duration timeout = Duration.parse(env.getOrDefault("RAGSTREAM_LLM_TIMEOUT", "PT60S"));
    return new GenerativeAnswerer(search,
        new OpenAiChatClient(URI.create(base), model, env.get("RAGSTREAM_LLM_API_KEY"), timeout),
        new ContextPacker(budget));
  }
}
