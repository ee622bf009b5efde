package io.ragstream.query.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A dataset in the BEIR layout: {@code corpus.jsonl} ({@code _id}, {@code title}, {@code text}), {@code
 * queries.jsonl} ({@code _id}, {@code text}) and {@code qrels/<split>.tsv} ({@code query-id corpus-id score}, with a
 * header line). Loading is strict: a malformed line fails with its file and line number rather than being skipped,
 * because a silently shorter qrels file changes every metric.
 */
public final class BeirDataset {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  private BeirDataset(Path dir) {
    this.dir = dir;
  }

  /** A dataset directory; fails if the corpus or the queries are missing. */
  public static BeirDataset open(Path dir) throws IOException {
    Objects.requireNonNull(dir, "dir");
    for (String name : new String[] {"corpus.jsonl", "queries.jsonl"}) {
      if (!Files.isRegularFile(dir.resolve(name))) {
        throw new IOException(dir.resolve(name) + ": missing (not a BEIR dataset directory?)");
      }
    }
    return new BeirDataset(dir);
  }

  public Path dir() {
    return dir;
  }

  public Path corpusFile() {
    return dir.resolve("corpus.jsonl");
  }

  /** A corpus document. {@code title} is empty when the dataset has none. */
  public record CorpusDoc(String id, String title, String text) {
    /** Title and text as one document body, the way BEIR's dense and sparse baselines index them. */
    public String body() {
      return title.isBlank() ? text : title + "\n\n" + text;
    }
  }

  /** Streams the corpus in file order, one document at a time (corpora can be larger than the heap). */
  public void forEachDoc(Consumer<CorpusDoc> consumer) throws IOException {
    readJsonLines(corpusFile(), (node, where) -> consumer.accept(
        new CorpusDoc(required(node, "_id", where), node.path("title").asText(""), node.path("text").asText(""))));
  }

  /** Query id → text, in file order. */
  public Map<String, String> queries() throws IOException {
    Map<String, String> queries = new LinkedHashMap<>();
    readJsonLines(dir.resolve("queries.jsonl"),
        (node, where) -> queries.put(required(node, "_id", where), required(node, "text", where)));
    return Collections.unmodifiableMap(queries);
  }

  /** Query id → (document id → graded relevance) of a split, e.g. {@code test} or {@code train}. */
  public Qrels qrels(String split) throws IOException {
    Path file = dir.resolve("qrels").resolve(split + ".tsv");
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no qrels for split '" + split + "'");
    }
    Map<String, Map<String, Integer>> judged = new LinkedHashMap<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        if (line.isBlank() || (number == 1 && line.startsWith("query-id"))) {
          continue;
        }
        String[] fields = line.split("\t");
        if (fields.length != 3) {
          throw new IOException(file + ":" + number + ": expected 3 tab-separated fields, got " + fields.length);
        }
        try {
          judged.computeIfAbsent(fields[0], q -> new LinkedHashMap<>()).put(fields[1], Integer.parseInt(fields[2]));
        } catch (NumberFormatException e) {
          throw new IOException(file + ":" + number + ": relevance '" + fields[2] + "' is not an integer", e);
        }
      }
    }
    return new Qrels(judged);
  }

  private interface LineHandler {
    void accept(JsonNode node, String where) throws IOException;
  }

  private static void readJsonLines(Path file, LineHandler handler) throws IOException {
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        if (!line.isBlank()) {
          String where = file + ":" + number;
          try {
            handler.accept(JSON.readTree(line), where);
          } catch (UncheckedIOException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
          } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(where + ": not JSON: " + e.getOriginalMessage(), e);
          }
        }
      }
    }
  }

  private static String required(JsonNode node, String field, String where) throws IOException {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new IOException(where + ": field '" + field + "' is missing");
    }
    return value.asText();
  }
}
