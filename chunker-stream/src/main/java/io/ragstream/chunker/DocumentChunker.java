package io.ragstream.chunker;

import io.ragstream.chunker.code.CodeLanguage;
import io.ragstream.chunker.code.CodeSplitter;
import io.ragstream.embedding.ModelTokenizer;
import io.ragstream.schemas.ChunkIds;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Cuts a document into chunks that keep what it means, sized in the embedding model's tokens. A pure function of the
 * document and the config: no Kafka, no clock, so the same document always gives the same chunks and ids.
 *
 * <ul>
 *   <li>Structured documents: a chunk never crosses a section, except that tiny neighbouring sections merge; each
 *       chunk carries its heading path, and (config) starts with it, so the embedded and keyword-indexed text says
 *       where it comes from.
 *   <li>A list stays with the sentence that leads into it; a table stays whole when it fits, else it splits by rows
 *       with its header row repeated; prose splits at sentences, with an overlap in tokens.
 *   <li>Source code splits at classes, functions and statements with a real parser ({@link CodeSplitter}).
 *   <li>No chunk is over the model's limit, and no text is dropped: a chunk's text is its heading prefix, then the
 *       context it repeats (metadata {@value #BODY_START} says where that ends), then text no other chunk holds.
 * </ul>
 */
public final class DocumentChunker {
  /** Metadata key: the char offset in a chunk's text where its own body starts, after prefix and repeated context. */
  public static final String BODY_START = "chunk.bodyStart";
  /** Metadata key: text, list, table, code or mixed. */
  public static final String KIND = "chunk.kind";
  /** Separates the levels of a heading path in a chunk's prefix. */
  public static final String PATH_SEPARATOR = " › ";

  private final ModelTokenizer tokenizer;
  private final ModelTokenizer counter;
  private final ChunkerConfig config;
  private final SentenceSplitter sentences;
  private final CodeChunker code;

  public DocumentChunker(ModelTokenizer tokenizer, ChunkerConfig config) {
    this.tokenizer = tokenizer;
    this.config = config;
    // sizes come from a word cache where that is exact for this tokenizer, else from the tokenizer itself
    this.counter = WordCachingTokenizer.over(tokenizer);
    this.sentences = new SentenceSplitter(counter);
    this.code = new CodeChunker(config, counter, new CodeSplitter(counter));
  }

  public ChunkerConfig config() {
    return config;
  }

  public List<Chunk> chunk(ExtractedDocument doc) {
    Prefixes prefixes = new Prefixes(doc.getTitle());
    List<Draft> drafts = new ArrayList<>();
    Optional<CodeLanguage> language = CodeLanguage.detect(doc.getSourceName(), doc.getContentType());
    List<Block> prose = new ArrayList<>();
    for (Block block : doc.getBlocks()) {
      if (language.isPresent() && block.getKind() == BlockKind.CODE) {
        drafts.addAll(code.chunk(block.getText(), language.get(), List.of(), prefixes.tokens(List.of())));
      } else if (!(language.isPresent() && block.getKind() == BlockKind.HEADING
          && block.getText().strip().equals(doc.getTitle()))) {
        prose.add(block); // a source file's name as a heading would only repeat its title
      }
    }
    drafts.addAll(0, structured(prose, prefixes));
    return toChunks(doc, drafts, prefixes);
  }

  /**
   * The language a code block declares ({@code Block.language}, a Markdown fence's info string), if the code splitter
   * parses it; empty for other blocks, and for a code block of another or no language, which is left to the
   * in-document heuristic.
   */
  private static Optional<CodeLanguage> fenced(Block block) {
    return block.getKind() == BlockKind.CODE ? CodeLanguage.forName(block.getLanguage()) : Optional.empty();
  }

  private List<Draft> structured(List<Block> blocks, Prefixes prefixes) {
    TokenCounts counts = new TokenCounts(counter);
    List<Section> sections = new SectionMerger(config.text().minTokens(), config.text().targetTokens(), counts)
        .merge(Section.of(blocks, counts));
    List<Draft> drafts = new ArrayList<>();
    for (Section section : sections) {
      int budget = config.maxTokens() - prefixes.tokens(section.headings());
      // a code block in a known language is chunked like a source file, by its parse: it never shares a chunk with
      // prose, so its chunks' code metadata (language, class, function) is true of all of their text
      List<Block> run = new ArrayList<>();
      for (Block block : section.blocks()) {
        CodeLanguage language = fenced(block).orElse(null);
        if (language == null) {
          run.add(block);
          continue;
        }
        drafts.addAll(pack(run, section, budget, counts));
        run.clear();
        drafts.addAll(code.chunk(block.getText(), language, section.headings(),
            prefixes.tokens(section.headings())));
      }
      drafts.addAll(pack(run, section, budget, counts));
    }
    return drafts;
  }

  private List<Draft> pack(List<Block> blocks, Section section, int budget, TokenCounts counts) {
    if (blocks.isEmpty()) {
      return List.of();
    }
    List<Unit> units = new UnitBuilder(config, sentences, counts, budget).units(blocks);
    return new Packer(config, counter, budget, section.headings()).pack(units);
  }

  private List<Chunk> toChunks(ExtractedDocument doc, List<Draft> drafts, Prefixes prefixes) {
    List<Chunk> chunks = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Draft draft : drafts) {
      for (Fitted f : fit(draft, prefixes)) {
        Draft fitted = f.draft();
        String prefix = prefixes.text(fitted.headings());
        String lead = prefix + (fitted.context().isEmpty() ? "" : fitted.context() + "\n");
        String text = lead + fitted.body();
        // The tenant is part of the id: a document moved to another tenant gets new chunks, never shared ones.
        String id = ChunkIds.chunkId(DocumentKey.of(doc.getTenant(), doc.getDocId()), config.version(),
            String.join("\n", fitted.headings()) + "\u0000" + text);
        if (!seen.add(id)) {
          continue; // identical text twice in one document would give two chunks one id: it is indexed once
        }
        Map<String, String> metadata = new HashMap<>(doc.getMetadata());
        if (doc.getContentType() != null) {
          metadata.putIfAbsent("contentType", doc.getContentType());
        }
        metadata.putAll(fitted.metadata());
        metadata.put(KIND, fitted.kind());
        metadata.put(BODY_START, Integer.toString(lead.length()));
        chunks.add(Chunk.newBuilder()
            .setChunkId(id)
            .setDocId(doc.getDocId())
            .setTenant(doc.getTenant())
            .setDocumentVersion(doc.getVersion())
            .setOrdinal(chunks.size())
            .setTitle(doc.getTitle())
            .setHeadings(fitted.headings())
            .setText(text)
            .setTokenCount(f.tokens())
            .setContentHash(ChunkIds.sha256(text))
            .setChunkerVersion(config.version())
            .setSourceName(doc.getSourceName())
            .setMetadata(metadata)
            .setAcl(doc.getAcl())
            .setIngestedAt(doc.getIngestedAt())
            .build());
      }
    }
    return chunks;
  }

  /**
   * The final check of the size promise: the assembled text is counted and, if over the limit, its body is cut at
   * it. Packing sums the sizes of pieces, which can differ from the size of the joined text for tokenizers that
   * merge across a join. The count comes from {@link WordCachingTokenizer}, which is only used where it was checked
   * to give the tokenizer's exact counts (WordPiece, whose pre-tokenizer splits at whitespace before anything else);
   * counting every chunk natively cost 80% of the chunker's time.
   */
  private List<Fitted> fit(Draft draft, Prefixes prefixes) {
    String prefix = prefixes.text(draft.headings());
    String lead = prefix + (draft.context().isEmpty() ? "" : draft.context() + "\n");
    int tokens = counter.countTokens(lead + draft.body());
    if (tokens <= config.maxTokens()) {
      return List.of(new Fitted(draft, tokens));
    }
    int room = Math.max(1, config.maxTokens() - counter.countTokens(prefix));
    List<Fitted> parts = new ArrayList<>();
    boolean first = true;
    for (Piece piece : sentences.hardSplit(draft.body(), Math.max(1, room - 1))) {
      int withContext = first ? counter.countTokens(lead + piece.text()) : Integer.MAX_VALUE;
      boolean keepContext = withContext <= config.maxTokens();
      Draft part = new Draft(draft.headings(), keepContext ? draft.context() : "", piece.text(), draft.kind(),
          draft.metadata());
      parts.add(new Fitted(part, keepContext ? withContext : counter.countTokens(prefix + piece.text())));
      first = false;
    }
    return parts;
  }

  private record Fitted(Draft draft, int tokens) {}

  /** The chunk ids of a chunk list, in order. */
  public static LinkedHashSet<String> ids(List<Chunk> chunks) {
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    chunks.forEach(c -> ids.add(c.getChunkId()));
    return ids;
  }

  /**
   * Heading prefixes of one document, computed once per heading path. The document title leads the path unless the
   * first heading already is the title. A prefix never takes more than a quarter of the model's limit.
   */
  private final class Prefixes {
    private final String title;
    private final Map<List<String>, String> texts = new HashMap<>();
    private final Map<List<String>, Integer> tokens = new HashMap<>();

    Prefixes(String title) {
      this.title = title == null || title.isBlank() ? null : title.strip();
    }

    String text(List<String> headings) {
      return texts.computeIfAbsent(headings, this::build);
    }

    int tokens(List<String> headings) {
      return tokens.computeIfAbsent(headings, h -> {
        String text = text(h);
        return text.isEmpty() ? 0 : counter.countTokens(text);
      });
    }

    private String build(List<String> headings) {
      if (!config.headingPrefix()) {
        return "";
      }
      List<String> path = new ArrayList<>();
      if (title != null && (headings.isEmpty() || !headings.getFirst().equals(title))) {
        path.add(title);
      }
      path.addAll(headings);
      if (path.isEmpty()) {
        return "";
      }
      String joined = String.join(PATH_SEPARATOR, path);
      int cap = config.maxTokens() / 4;
      if (counter.countTokens(joined) > cap) {
        joined = joined.substring(0, tokenizer.prefixEnd(joined, cap)).strip();
      }
      return joined + "\n\n";
    }
  }
}
