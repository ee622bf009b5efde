package io.ragstream.indexer.lucene;

import io.ragstream.indexer.store.KeywordContext;
import io.ragstream.indexer.store.StoredChunk;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.search.similarities.Similarity;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.VectorUtil;

/** How a {@link StoredChunk} maps to a Lucene document and back: the one place that knows the field names. */
final class ChunkSchema {

  static final String CHUNK_ID = "chunkId";
  static final String DOC_ID = "docId";
  static final String TENANT = "tenant";
  static final String TEXT = "text";
  static final String TITLE = "title";
  static final String HEADINGS = "headings";
  /** Indexed, not stored: the title and headings the text does not already hold ({@link KeywordContext}). */
  static final String CONTEXT = "context";
  static final String SOURCE_NAME = "sourceName";
  static final String MODEL_ID = "modelId";
  static final String DOCUMENT_VERSION = "documentVersion";
  static final String ORDINAL = "ordinal";
  static final String INGESTED_AT = "ingestedAt";
  static final String VECTOR = "vector";
  /**
   * The document's ACL: a stored, indexed term per principal, plus doc values so that "no ACL" is a field-exists
   * check ({@link io.ragstream.indexer.store.DocumentAcl}). Absent on chunks visible to the whole tenant.
   */
  static final String ACL = io.ragstream.indexer.store.DocumentAcl.FIELD;
  /** Metadata keys live under their own prefix so that no key can shadow a fixed field. */
  static final String META_PREFIX = "meta.";

  /**
   * Embeddings arrive L2-normalised, and on unit vectors the dot product equals the cosine but skips the two norm
   * computations Lucene's COSINE would repeat on every comparison during HNSW build and search. Because DOT_PRODUCT
   * silently ranks wrongly on vectors that are not unit length, {@link #unitVector} re-normalises what it is given.
   * Lucene's default vector format takes up to 1024 dimensions; larger models would need a custom codec.
   */
  static final VectorSimilarityFunction SIMILARITY = VectorSimilarityFunction.DOT_PRODUCT;

  private ChunkSchema() {}

  /** English stemming and stop words, used both to index the text fields and to analyze keyword queries. */
  static Analyzer analyzer() {
    return new EnglishAnalyzer();
  }

  /** BM25 with the parameters every store uses; norms are the same for any k1 and b, so indexes need no rebuild. */
  static Similarity similarity() {
    return new BM25Similarity(KeywordContext.BM25_K1, KeywordContext.BM25_B);
  }

  /** Searchers that rank with {@link #similarity()}; Lucene's default would be BM25 at k1 1.2, b 0.75. */
  static SearcherFactory searcherFactory() {
    return new SearcherFactory() {
      @Override
      public IndexSearcher newSearcher(IndexReader reader, IndexReader previousReader) {
        IndexSearcher searcher = new IndexSearcher(reader);
        searcher.setSimilarity(similarity());
        return searcher;
      }
    };
  }

  static String metaField(String key) {
    return META_PREFIX + key;
  }

  /**
   * A unit-length copy of the vector. Normalising is deterministic, so re-applying a batch writes the same vector.
   *
   * @throws IllegalArgumentException on a zero, NaN or infinite vector, which no similarity can rank
   */
  static float[] unitVector(float[] vector) {
    float[] copy = VectorUtil.checkFinite(Arrays.copyOf(vector, vector.length));
    return VectorUtil.l2normalize(copy);
  }

  /** Lucene maps a dot product d to (1 + d) / 2 so scores are non-negative; hits report the cosine itself. */
  static float cosineFromScore(float score) {
    return 2 * score - 1;
  }

  static Document toDocument(StoredChunk chunk, float[] unitVector) {
    Document doc = new Document();
    doc.add(new StringField(CHUNK_ID, chunk.chunkId(), Field.Store.YES));
    doc.add(new StringField(DOC_ID, chunk.docId(), Field.Store.YES));
    doc.add(new StringField(TENANT, chunk.tenant(), Field.Store.YES));
    doc.add(new TextField(TEXT, chunk.text(), Field.Store.YES));
    // Title and headings are stored for display; for search they count once, in the text or in the context field.
    if (chunk.title() != null) {
      doc.add(new StoredField(TITLE, chunk.title()));
    }
    // Stored fields keep the order in which values were added, so the heading path survives as a list.
    for (String heading : chunk.headings()) {
      doc.add(new StoredField(HEADINGS, heading));
    }
    String context = KeywordContext.of(chunk);
    if (!context.isEmpty()) {
      doc.add(new TextField(CONTEXT, context, Field.Store.NO));
    }
    if (chunk.sourceName() != null) {
      doc.add(new StoredField(SOURCE_NAME, chunk.sourceName()));
    }
    if (chunk.modelId() != null) {
      doc.add(new StoredField(MODEL_ID, chunk.modelId()));
    }
    doc.add(new StoredField(DOCUMENT_VERSION, chunk.documentVersion()));
    doc.add(new StoredField(ORDINAL, chunk.ordinal()));
    doc.add(new NumericDocValuesField(ORDINAL, chunk.ordinal()));
    doc.add(new StoredField(INGESTED_AT, chunk.ingestedAt()));
    chunk.metadata().forEach((key, value) -> doc.add(new StringField(metaField(key), value, Field.Store.YES)));
    for (String principal : chunk.acl()) {
      doc.add(new StringField(ACL, principal, Field.Store.YES));
      doc.add(new SortedSetDocValuesField(ACL, new BytesRef(principal)));
    }
    if (unitVector != null) {
      doc.add(new KnnFloatVectorField(VECTOR, unitVector, SIMILARITY));
    }
    return doc;
  }

  /** The chunk without its vector: callers that rank by vector already have the score, and vectors are large. */
  static StoredChunk fromDocument(Document doc) {
    Map<String, String> metadata = new LinkedHashMap<>();
    for (IndexableField field : doc.getFields()) {
      if (field.name().startsWith(META_PREFIX)) {
        metadata.put(field.name().substring(META_PREFIX.length()), field.stringValue());
      }
    }
    return new StoredChunk(
        doc.get(CHUNK_ID),
        doc.get(DOC_ID),
        doc.get(TENANT),
        doc.getField(DOCUMENT_VERSION).numericValue().longValue(),
        doc.getField(ORDINAL).numericValue().intValue(),
        doc.get(TITLE),
        List.of(doc.getValues(HEADINGS)),
        doc.get(TEXT),
        doc.get(SOURCE_NAME),
        metadata,
        doc.get(MODEL_ID),
        null,
        doc.getField(INGESTED_AT).numericValue().longValue(),
        List.of(doc.getValues(ACL)));
  }
}
