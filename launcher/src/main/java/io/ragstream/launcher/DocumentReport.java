package io.ragstream.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Formats the answer of {@code GET /v1/documents/{docId}} for {@code ragstream status}. */
final class DocumentReport {
  private DocumentReport() {}

  static String format(JsonNode body) {
    StringBuilder out = new StringBuilder();
    out.append(String.format("document  %s  (tenant %s)%n", body.path("docId").asText(), body.path("tenant").asText()));
    JsonNode pipeline = body.path("pipeline");
    if (pipeline.isMissingNode()) {
      out.append("pipeline  (no status: is the status stage running?)\n");
    } else {
      out.append(String.format("state     %s%s%n", pipeline.path("state").asText(),
          pipeline.path("version").isNull() ? "" : "  version " + pipeline.path("version").asLong()));
      for (JsonNode step : pipeline.path("steps")) {
        out.append(String.format("  %-10s %s%s%n", step.path("step").asText(), step.path("at").asText(),
            counts(step)));
      }
      if (pipeline.path("ocr").asBoolean(false)) {
        out.append(String.format("ocr       %d page(s), language %s%n", pipeline.path("ocrPages").asInt(),
            pipeline.path("ocrLanguage").asText("?")));
      }
      if (pipeline.has("ocrSkipped")) {
        out.append(String.format("ocr       skipped: %s%n", pipeline.path("ocrSkipped").asText()));
      }
      if (!pipeline.path("timeToSearchableMs").isNull()) {
        out.append(String.format("time to searchable  %d ms%n", pipeline.path("timeToSearchableMs").asLong()));
      }
      JsonNode dead = pipeline.path("deadLetter");
      if (!dead.isMissingNode()) {
        out.append(String.format("dead letter  %s: %s — %s (%s offset %d)%n", dead.path("stage").asText(),
            dead.path("reason").asText("?"), dead.path("message").asText(""), dead.path("topic").asText(),
            dead.path("offset").asLong()));
      }
    }
    out.append(String.format("searchable  %d chunks", body.path("chunks").asInt()));
    if (body.hasNonNull("modelId")) {
      out.append(String.format(" (version %d, model %s)", body.path("documentVersion").asLong(),
          body.path("modelId").asText()));
    }
    out.append('\n');
    for (JsonNode path : body.path("headings")) {
      List<String> names = new ArrayList<>();
      path.forEach(h -> names.add(h.asText()));
      out.append("  § ").append(String.join(" › ", names)).append('\n');
    }
    return out.toString();
  }

  private static String counts(JsonNode step) {
    if (!step.has("chunks")) {
      return "";
    }
    String removed = step.has("chunksRemoved") ? ", " + step.path("chunksRemoved").asInt() + " removed" : "";
    String label = step.has("chunksRemoved") ? " new" : "";
    return "  " + step.path("chunks").asInt() + " chunks" + label + removed;
  }
}
