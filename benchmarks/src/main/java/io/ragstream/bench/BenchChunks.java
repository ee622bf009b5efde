package io.ragstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.embedding.ModelTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The texts a benchmark embeds: real prose cut into windows of a fixed token count, so every system sees the same
 * inputs. A {@code .jsonl} file is read as a BEIR corpus (title and text of each line); anything else as one chunk
 * per non-blank line, used as is.
 */
public final class BenchChunks {
  /** Where the SciFact corpus lives on the project's build machine; the default input when present. */
  public static final Path DEFAULT_CORPUS = Path.of("/work/shared/data/scifact/corpus.jsonl");

  private BenchChunks() {}

  /**
   * @param file a BEIR corpus or a text file; {@code null} for {@link #DEFAULT_CORPUS}
   * @param count how many chunks at most
   * @param tokens tokens per chunk (special tokens not counted) when cutting a corpus
   */
  public static List<String> load(Path file, int count, int tokens, ModelTokenizer tokenizer) throws IOException {
    Path source = file == null ? DEFAULT_CORPUS : file;
    if (!Files.isReadable(source)) {
      throw new IOException("no chunks: " + source + " is not readable (pass --chunks FILE)");
    }
    if (!source.toString().endsWith(".jsonl")) {
      return Files.readAllLines(source).stream().filter(l -> !l.isBlank()).limit(count).toList();
    }
    ObjectMapper json = new ObjectMapper();
    List<String> chunks = new ArrayList<>(count);
    try (BufferedReader lines = Files.newBufferedReader(source)) {
      String line;
      while (chunks.size() < count && (line = lines.readLine()) != null) {
        JsonNode doc = json.readTree(line);
        String rest = (doc.path("title").asText() + "\n" + doc.path("text").asText()).strip();
        // only full windows: the point is a fixed, known chunk size
        while (chunks.size() < count && tokenizer.countTokens(rest) >= tokens) {
          int end = tokenizer.prefixEnd(rest, tokens);
          chunks.add(rest.substring(0, end).strip());
          rest = rest.substring(end).strip();
        }
      }
    }
    return chunks;
  }
}
