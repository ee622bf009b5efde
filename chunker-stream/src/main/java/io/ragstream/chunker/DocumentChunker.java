package io.ragstream.chunker;

import io.ragstream.embedding.ModelTokenizer;
import io.ragstream.schemas.ChunkIds;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.text.BreakIterator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Cuts a document into heading-aware chunks sized in the embedding model's tokens. Pure function, no Kafka.
 *
 * <ul>
 *   <li>A heading closes the current chunk: a chunk never spans two sections, and carries its heading path.
 *   <li>Blocks of a section are packed into a chunk until the next would pass the target size.
 *   <li>A block larger than the maximum is split at sentence boundaries; a sentence larger than the maximum at word
 *       boundaries. Text is never dropped.
 * </ul>
 *
 * The full structure-aware chunker (tables, lists with lead-ins, code by function) builds on this.
 */
public final class DocumentChunker {
  private final ModelTokenizer tokenizer;
  private final ChunkerConfig config;

  public DocumentChunker(ModelTokenizer tokenizer, ChunkerConfig config) {
    this.tokenizer = tokenizer;
    this.config = config;
  }

  public ChunkerConfig config() {
    return config;
  }

  public List<Chunk> chunk(ExtractedDocument doc) {
    List<Draft> drafts = new ArrayList<>();
    Deque<Block> headings = new ArrayDeque<>();
    Section section = new Section(List.of());
    for (Block block : doc.getBlocks()) {
      switch (block.getKind()) {
        case HEADING -> {
          section.flushInto(drafts);
          while (!headings.isEmpty() && headings.peekLast().getLevel() >= block.getLevel()) {
            headings.removeLast();
          }
          headings.addLast(block);
          section = new Section(headings.stream().map(Block::getText).toList());
        }
        case LIST_ITEM -> section.add(pieces("- " + block.getText()));
        default -> section.add(pieces(block.getText()));
      }
    }
    section.flushInto(drafts);

    // Identical text twice in one document would give two chunks one id; keep the first (the text is indexed once).
    Map<String, Draft> byId = new HashMap<>();
    List<Chunk> chunks = new ArrayList<>();
    for (Draft draft : drafts) {
      // The tenant is part of the id: a document moved to another tenant gets new chunks, never shared ones.
      String id = ChunkIds.chunkId(doc.getDocId(), config.version(),
          doc.getTenant() + "\u0000" + String.join("\n", draft.headings) + "\u0000" + draft.text);
      if (byId.putIfAbsent(id, draft) != null) {
        continue;
      }
      Map<String, String> metadata = new HashMap<>(doc.getMetadata());
      if (doc.getContentType() != null) {
        metadata.putIfAbsent("contentType", doc.getContentType());
      }
      chunks.add(Chunk.newBuilder()
          .setChunkId(id)
          .setDocId(doc.getDocId())
          .setTenant(doc.getTenant())
          .setDocumentVersion(doc.getVersion())
          .setOrdinal(chunks.size())
          .setTitle(doc.getTitle())
          .setHeadings(draft.headings)
          .setText(draft.text)
          .setTokenCount(draft.tokens)
          .setContentHash(ChunkIds.sha256(draft.text))
          .setChunkerVersion(config.version())
          .setSourceName(doc.getSourceName())
          .setMetadata(metadata)
          .setIngestedAt(doc.getIngestedAt())
          .build());
    }
    return chunks;
  }

  /** The chunk ids of a chunk list, in order. */
  public static LinkedHashSet<String> ids(List<Chunk> chunks) {
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    chunks.forEach(c -> ids.add(c.getChunkId()));
    return ids;
  }

  /** Splits a block's text into pieces of at most maxTokens, at sentence then word boundaries. */
  private List<Piece> pieces(String text) {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      return List.of();
    }
    int tokens = tokenizer.countTokens(trimmed);
    if (tokens <= config.maxTokens()) {
      return List.of(new Piece(trimmed, tokens));
    }
    List<Piece> pieces = new ArrayList<>();
    BreakIterator sentences = BreakIterator.getSentenceInstance(Locale.ROOT);
    sentences.setText(trimmed);
    StringBuilder current = new StringBuilder();
    int currentTokens = 0;
    for (int start = sentences.first(), end = sentences.next(); end != BreakIterator.DONE;
        start = end, end = sentences.next()) {
      String sentence = trimmed.substring(start, end).strip();
      if (sentence.isEmpty()) {
        continue;
      }
      int sentenceTokens = tokenizer.countTokens(sentence);
      if (sentenceTokens > config.maxTokens()) {
        currentTokens = flush(current, currentTokens, pieces);
        pieces.addAll(splitWords(sentence));
        continue;
      }
      if (currentTokens + sentenceTokens > config.targetTokens() && currentTokens > 0) {
        currentTokens = flush(current, currentTokens, pieces);
      }
      if (!current.isEmpty()) {
        current.append(' ');
      }
      current.append(sentence);
      currentTokens += sentenceTokens;
    }
    flush(current, currentTokens, pieces);
    return pieces;
  }

  private int flush(StringBuilder current, int tokens, List<Piece> into) {
    if (!current.isEmpty()) {
      into.add(new Piece(current.toString(), tokenizer.countTokens(current.toString())));
      current.setLength(0);
    }
    return 0;
  }

  /** Last resort for a "sentence" longer than the model accepts (tables flattened to text, minified code). */
  private List<Piece> splitWords(String sentence) {
    List<Piece> pieces = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String word : sentence.split("\\s+")) {
      String candidate = current.isEmpty() ? word : current + " " + word;
      if (tokenizer.countTokens(candidate) > config.targetTokens() && !current.isEmpty()) {
        pieces.add(new Piece(current.toString(), tokenizer.countTokens(current.toString())));
        current.setLength(0);
        current.append(word);
      } else {
        current.setLength(0);
        current.append(candidate);
      }
    }
    if (!current.isEmpty()) {
      pieces.add(new Piece(current.toString(), tokenizer.countTokens(current.toString())));
    }
    return pieces;
  }

  private record Piece(String text, int tokens) {}

  private record Draft(List<String> headings, String text, int tokens) {}

  /** Packs the pieces of one section into chunks of about targetTokens. */
  private final class Section {
    private final List<String> headings;
    private final StringBuilder text = new StringBuilder();
    private final List<Draft> done = new ArrayList<>();
    private int tokens;

    Section(List<String> headings) {
      this.headings = headings;
    }

    void add(List<Piece> pieces) {
      for (Piece piece : pieces) {
        if (tokens > 0 && tokens + piece.tokens() > config.targetTokens()) {
          close();
        }
        if (!text.isEmpty()) {
          text.append('\n');
        }
        text.append(piece.text());
        tokens += piece.tokens();
      }
    }

    private void close() {
      if (!text.isEmpty()) {
        done.add(new Draft(headings, text.toString(), tokenizer.countTokens(text.toString())));
      }
      text.setLength(0);
      tokens = 0;
    }

    void flushInto(List<Draft> drafts) {
      close();
      if (done.isEmpty() && !headings.isEmpty()) {
        return; // a heading with no text under it (e.g. directly followed by a sub-heading) makes no chunk
      }
      drafts.addAll(done);
      done.clear();
    }
  }
}
