package io.ragstream.query.answer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A client of the OpenAI-compatible chat completions API ({@code POST {baseUrl}/chat/completions}), which OpenAI,
 * Ollama ({@code http://localhost:11434/v1}), vLLM and llama.cpp's server all speak. Non-streaming, temperature 0 so
 * the same context gives the same answer.
 */
public final class OpenAiChatClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI endpoint;
  private final String model;
  private final String apiKey;
  private final Duration timeout;
  private final HttpClient http;

  /**
   * @param baseUrl e.g. {@code https://api.openai.com/v1}; {@code /chat/completions} is appended
   * @param apiKey sent as a bearer token; null or blank for servers without auth (Ollama)
   */
  public OpenAiChatClient(URI baseUrl, String model, String apiKey, Duration timeout) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("a chat model name is required");
    }
    String base = baseUrl.toString();
    this.endpoint = URI.create((base.endsWith("/") ? base : base + "/") + "chat/completions");
    this.model = model;
    this.apiKey = apiKey;
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  public String model() {
    return model;
  }

  /** One completion of a system and a user message; the assistant's text. */
  public String complete(String system, String user) throws IOException {
    Map<String, Object> body = Map.of("model", model, "temperature", 0, "messages", List.of(
        Map.of("role", "system", "content", system), Map.of("role", "user", "content", user)));
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (apiKey != null && !apiKey.isBlank()) {
      request.header("Authorization", "Bearer " + apiKey);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for " + endpoint);
    }
    if (response.statusCode() / 100 != 2) {
      // Some gateways echo the refused credentials: never let our own key travel into an exception (and a log).
      String text = apiKey == null || apiKey.isBlank() ? response.body()
          : response.body().replace(apiKey, "[redacted]");
      throw new IOException("chat endpoint " + endpoint + " answered " + response.statusCode() + ": "
          + (text.length() > 300 ? text.substring(0, 300) + "..." : text));
    }
    JsonNode content = JSON.readTree(response.body()).path("choices").path(0).path("message").path("content");
    if (!content.isTextual()) {
      throw new IOException("chat endpoint " + endpoint + " answered without choices[0].message.content");
    }
    return content.asText();
  }
}
