package io.ragstream.query.status;

import io.ragstream.schemas.avro.DeadLetterInfo;
import io.ragstream.schemas.avro.DocumentProgress;
import io.ragstream.schemas.avro.OcrInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A document's progress as JSON-friendly maps: the steps in pipeline order, each with its timestamp (ISO-8601) and
 * chunk count, so that {@code GET /v1/documents/{docId}}, the CLI and the status page read the same shape. Avro's
 * generated classes are not plain beans, hence no direct Jackson serialization.
 */
public final class ProgressJson {
  private ProgressJson() {}

  public static Map<String, Object> of(DocumentProgress p) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("docId", p.getDocId());
    json.put("tenant", p.getTenant());
    if (!p.getAcl().isEmpty()) {
      json.put("acl", List.copyOf(p.getAcl()));
    }
    json.put("state", p.getState().name());
    json.put("operation", p.getOperation().name());
    json.put("version", p.getVersion());
    json.put("sourceName", p.getSourceName());
    List<Map<String, Object>> steps = new ArrayList<>();
    step(steps, "ingested", p.getIngestedAt(), null);
    step(steps, "extracted", p.getExtractedAt(), null);
    Map<String, Object> chunked = step(steps, "chunked", p.getChunkedAt(), p.getChunksNew());
    if (chunked != null) {
      chunked.put("chunksRemoved", p.getChunksRemoved());
    }
    step(steps, "embedded", p.getEmbeddedAt(), p.getChunksEmbedded());
    step(steps, p.getOperation().name().equals("DELETE") ? "deleted" : "indexed", p.getIndexedAt(),
        p.getOperation().name().equals("DELETE") ? null : p.getChunksIndexed());
    json.put("steps", steps);
    OcrInfo ocr = p.getOcr();
    // shown only for scans, as the metadata marks are: most documents have a text layer and say nothing of OCR
    if (ocr != null) {
      json.put("ocr", ocr.getPages() > 0);
      if (ocr.getPages() > 0) {
        json.put("ocrPages", ocr.getPages());
        json.put("ocrLanguage", ocr.getLanguage());
      }
      if (ocr.getSkipped() != null) {
        json.put("ocrSkipped", ocr.getSkipped());
      }
    }
    json.put("timeToSearchableMs", p.getTimeToSearchableMs());
    DeadLetterInfo dead = p.getDeadLetter();
    if (dead != null) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("stage", dead.getStage());
      d.put("reason", dead.getReason());
      d.put("exception", dead.getException());
      d.put("message", dead.getMessage());
      d.put("topic", dead.getTopic());
      d.put("offset", dead.getOffset());
      d.put("at", dead.getAt().toString());
      json.put("deadLetter", d);
    }
    json.put("updatedAt", p.getUpdatedAt().toString());
    return json;
  }

  private static Map<String, Object> step(List<Map<String, Object>> steps, String name, Instant at, Integer chunks) {
    if (at == null) {
      return null;
    }
    Map<String, Object> step = new LinkedHashMap<>();
    step.put("step", name);
    step.put("at", at.toString());
    if (chunks != null) {
      step.put("chunks", chunks);
    }
    steps.add(step);
    return step;
  }
}
