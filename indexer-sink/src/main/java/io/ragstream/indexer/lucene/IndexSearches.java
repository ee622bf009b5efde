package io.ragstream.indexer.lucene;

import static io.ragstream.indexer.lucene.ChunkSchema.CONTEXT;
import static io.ragstream.indexer.lucene.ChunkSchema.DOC_ID;
import static io.ragstream.indexer.lucene.ChunkSchema.ORDINAL;
import static io.ragstream.indexer.lucene.ChunkSchema.TENANT;
import static io.ragstream.indexer.lucene.ChunkSchema.TEXT;
import static io.ragstream.indexer.lucene.ChunkSchema.VECTOR;

import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.ModelMismatchException;
import io.ragstream.indexer.store.RetrievalView;
import io.ragstream.indexer.store.KeywordContext;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.MultiBits;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.Bits;

/** The read side shared by the writing store and the read-only searcher; each request uses one searcher. */
final class IndexSearches implements ChunkSearcher {

  /**
   * Keeps a pasted page of text below Lucene's 1024-clause limit (two clauses per term): the query degrades to
   * its first terms instead of failing.
   */
  static final int MAX_QUERY_TERMS = 250;

  /**
   * The least number of candidates HNSW collects, however small k: with k as its beam width a top-10 search misses
   * neighbours a wider beam finds (Elasticsearch's {@code num_candidates} does the same). On SciFact train, vector
   * nDCG@10 from the top 30 chunks: 0.6913 with a beam of 30, 0.6933 with 50, 0.6970 with 100 (re-measured
   * 2026-12-06 on the live-written index: 0.6968 with 50, 0.6985 with 100, hybrid unchanged) for about 0.2 ms more
   * per search at 18k chunks.
   */
  static final int MIN_VECTOR_CANDIDATES = 100;

  /** A phrase over more words than this almost never matches verbatim, so it would only cost time. */
  static final int MAX_PHRASE_TERMS = 16;

  private final SearcherSource source;
  private final Analyzer analyzer;

  IndexSearches(SearcherSource source, Analyzer analyzer) {
    this.source = source;
    this.analyzer = analyzer;
  }

  @Override
  public List<Hit> keywordSearch(String query, int k, SearchFilter filter) throws IOException {
    Objects.requireNonNull(query, "query");
    checkK(k);
    Objects.requireNonNull(filter, "filter");
    QueryFor q = keywordQueryFor(query, filter);
    return q == null ? List.of() : search(q, k, false);
  }

  /** The BM25 query with its filter, or null when no term of {@code query} survives analysis. */
  private QueryFor keywordQueryFor(String query, SearchFilter filter) throws IOException {
    Query textQuery = keywordQuery(query);
    if (textQuery == null) {
      return null;
    }
    return reader -> {
      Query restriction = effectiveFilter(reader, filter);
      return restriction == null ? textQuery
          : new BooleanQuery.Builder().add(textQuery, Occur.MUST).add(restriction, Occur.FILTER).build();
    };
  }

  @Override
  public List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) throws IOException {
    Objects.requireNonNull(vector, "vector");
    checkK(k);
    Objects.requireNonNull(filter, "filter");
    return search(vectorQueryFor(vector, k, filter), k, true);
  }

  private static QueryFor vectorQueryFor(float[] vector, int k, SearchFilter filter) {
    // The filter goes inside the kNN query (a pre-filter), so HNSW keeps searching until it has k matching chunks
    // rather than filtering a global top-k down to fewer.
    float[] unit = ChunkSchema.unitVector(vector);
    int beam = Math.max(k, MIN_VECTOR_CANDIDATES);
    return reader -> new KnnFloatVectorQuery(VECTOR, unit, beam, effectiveFilter(reader, filter));
  }

  /** How a view finds the model of the vectors in the point-in-time searcher it holds. */
  @FunctionalInterface
  interface ModelOf {
    Optional<String> of(IndexSearcher searcher) throws IOException;
  }

  /**
   * A two-phase view over one searcher held until {@link RetrievalView#close}: keys are Lucene doc ids of that
   * searcher's reader, so the two retrievers' candidates match without stored fields, and only {@link
   * RetrievalView#chunk} reads them (for the fused top k rather than for every candidate of both retrievers).
   */
  RetrievalView view(ModelOf model) throws IOException {
    return new View(source.acquire(), model);
  }

  private final class View implements RetrievalView {
    private final IndexSearcher searcher; // null while there is no index yet: every search is then empty
    private final ModelOf model;
    private final Map<Long, StoredChunk> loaded = new ConcurrentHashMap<>();
    private StoredFields stored; // created on first use by the thread that calls chunk()
    private boolean closed;

    View(IndexSearcher searcher, ModelOf model) {
      this.searcher = searcher;
      this.model = model;
    }

    @Override
    public Optional<String> modelId() throws IOException {
      return searcher == null ? Optional.empty() : model.of(searcher);
    }

    @Override
    public List<Candidate> keyword(String query, int k, SearchFilter filter) throws IOException {
      Objects.requireNonNull(query, "query");
      checkK(k);
      Objects.requireNonNull(filter, "filter");
      QueryFor q = keywordQueryFor(query, filter);
      return q == null ? List.of() : candidates(q, k, false);
    }

    @Override
    public List<Candidate> vector(String modelId, float[] vector, int k, SearchFilter filter) throws IOException {
      Objects.requireNonNull(vector, "vector");
      checkK(k);
      Objects.requireNonNull(filter, "filter");
      Optional<String> held = modelId();
      if (held.isPresent() && !held.get().equals(modelId)) {
        throw new ModelMismatchException(held.get(), modelId);
      }
      return candidates(vectorQueryFor(vector, k, filter), k, true);
    }

    private List<Candidate> candidates(QueryFor query, int k, boolean cosine) throws IOException {
      if (searcher == null) {
        return List.of();
      }
      ScoreDoc[] docs = searcher.search(query.build(searcher.getIndexReader()), k).scoreDocs;
      List<Candidate> candidates = new ArrayList<>(docs.length);
      for (ScoreDoc doc : docs) {
        candidates.add(new Candidate(doc.doc, cosine ? ChunkSchema.cosineFromScore(doc.score) : doc.score));
      }
      return candidates;
    }

    @Override
    public StoredChunk chunk(long key) throws IOException {
      StoredChunk chunk = loaded.get(key);
      if (chunk == null) {
        if (searcher == null || key < 0 || key >= searcher.getIndexReader().maxDoc()) {
          throw new IllegalArgumentException("no candidate of this view has key " + key);
        }
        if (stored == null) {
          stored = searcher.storedFields();
        }
        chunk = ChunkSchema.fromDocument(stored.document((int) key));
        loaded.put(key, chunk);
      }
      return chunk;
    }

    @Override
    public void close() throws IOException {
      if (!closed && searcher != null) {
        closed = true;
        source.release(searcher);
      }
    }
  }

  @Override
  public List<StoredChunk> chunksOfDocument(String docId, String tenant) throws IOException {
    Objects.requireNonNull(docId, "docId");
    Query query = filterQuery(new SearchFilter(tenant, Map.of(), docId));
    IndexSearcher searcher = source.acquire();
    if (searcher == null) {
      return List.of();
    }
    try {
      // Sized by the document's chunk count, not the index size: the collector allocates a slot per requested hit.
      int n = Math.max(1, searcher.count(query));
      ScoreDoc[] docs = searcher.search(query, n, new Sort(new SortField(ORDINAL, SortField.Type.INT))).scoreDocs;
      StoredFields stored = searcher.storedFields();
      List<StoredChunk> chunks = new ArrayList<>(docs.length);
      for (ScoreDoc doc : docs) {
        chunks.add(ChunkSchema.fromDocument(stored.document(doc.doc)));
      }
      return chunks;
    } finally {
      source.release(searcher);
    }
  }

  @Override
  public long chunkCount() throws IOException {
    IndexSearcher searcher = source.acquire();
    if (searcher == null) {
      return 0;
    }
    try {
      return searcher.getIndexReader().numDocs();
    } finally {
      source.release(searcher);
    }
  }

  /** Distinct document ids with at least one live chunk, across tenants; walks the docId terms once. */
  long documentCount() throws IOException {
    IndexSearcher searcher = source.acquire();
    if (searcher == null) {
      return 0;
    }
    try {
      IndexReader reader = searcher.getIndexReader();
      Terms terms = MultiTerms.getTerms(reader, DOC_ID);
      if (terms == null) {
        return 0;
      }
      // Deleted chunks keep their terms until a merge drops them, so a docId counts only if a live chunk has it.
      Bits live = MultiBits.getLiveDocs(reader);
      TermsEnum termsEnum = terms.iterator();
      PostingsEnum postings = null;
      long count = 0;
      while (termsEnum.next() != null) {
        postings = termsEnum.postings(postings, PostingsEnum.NONE);
        for (int d = postings.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = postings.nextDoc()) {
          if (live == null || live.get(d)) {
            count++;
            break;
          }
        }
      }
      return count;
    } finally {
      source.release(searcher);
    }
  }

  /** Builds a query for the point-in-time view it will run on (the filter may depend on what that view holds). */
  @FunctionalInterface
  private interface QueryFor {
    Query build(IndexReader reader) throws IOException;
  }

  private List<Hit> search(QueryFor query, int k, boolean cosine) throws IOException {
    IndexSearcher searcher = source.acquire();
    if (searcher == null) {
      return List.of();
    }
    try {
      ScoreDoc[] docs = searcher.search(query.build(searcher.getIndexReader()), k).scoreDocs;
      StoredFields stored = searcher.storedFields();
      List<Hit> hits = new ArrayList<>(docs.length);
      for (ScoreDoc doc : docs) {
        float score = cosine ? ChunkSchema.cosineFromScore(doc.score) : doc.score;
        hits.add(new Hit(ChunkSchema.fromDocument(stored.document(doc.doc)), score));
      }
      return hits;
    } finally {
      source.release(searcher);
    }
  }

  /**
   * The query text goes through the index analyzer, never a query parser, so user input has no syntax: quotes,
   * colons and brackets are just characters the tokenizer drops. Null when no term survives analysis.
   */
  Query keywordQuery(String text) throws IOException {
    List<String> tokens = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    try (TokenStream stream = analyzer.tokenStream(TEXT, text)) {
      CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
      PositionIncrementAttribute increment = stream.addAttribute(PositionIncrementAttribute.class);
      stream.reset();
      int position = -1;
      while (stream.incrementToken()) {
        position += increment.getPositionIncrement();
        tokens.add(term.toString());
        positions.add(position);
      }
      stream.end();
    }
    Set<String> distinct = new LinkedHashSet<>(tokens);
    if (distinct.isEmpty()) {
      return null;
    }
    BooleanQuery.Builder query = new BooleanQuery.Builder();
    distinct.stream()
        .limit(MAX_QUERY_TERMS)
        .forEach(
            t -> {
              query.add(new TermQuery(new Term(TEXT, t)), Occur.SHOULD);
              query.add(new BoostQuery(new TermQuery(new Term(CONTEXT, t)), KeywordContext.BOOST), Occur.SHOULD);
            });
    // Words that appear in the chunk as the user wrote them (stop-word gaps kept) outrank the same words scattered.
    if (tokens.size() >= 2 && tokens.size() <= MAX_PHRASE_TERMS) {
      PhraseQuery.Builder phrase = new PhraseQuery.Builder();
      for (int i = 0; i < tokens.size(); i++) {
        phrase.add(new Term(TEXT, tokens.get(i)), positions.get(i));
      }
      query.add(phrase.build(), Occur.SHOULD);
    }
    return query.build();
  }

  /**
   * {@link #filterQuery}, or null where it would exclude nothing in {@code reader}: a filter on the tenant alone, over
   * an index in which every chunk (deleted ones included) belongs to that tenant, as in a single-tenant deployment.
   * A filtered kNN search first collects every allowed chunk of each segment into a bit set and then searches HNSW
   * with it, and BM25 intersects its matches with every chunk; without a filter both do only the search. The check
   * is one term lookup per segment; a reader is a point-in-time view, so the answer holds for the whole search.
   */
  static Query effectiveFilter(IndexReader reader, SearchFilter filter) throws IOException {
    if (filter.docId() == null && filter.metadata().isEmpty() && filter.principals() == null
        && reader.maxDoc() > 0 && reader.docFreq(new Term(TENANT, filter.tenant())) == reader.maxDoc()) {
      return null;
    }
    return filterQuery(filter);
  }

  /** Tenant always; document and each metadata entry when given. Non-scoring, so it never changes the ranking. */
  static Query filterQuery(SearchFilter filter) {
    BooleanQuery.Builder query = new BooleanQuery.Builder();
    query.add(new TermQuery(new Term(TENANT, filter.tenant())), Occur.FILTER);
    if (filter.docId() != null) {
      query.add(new TermQuery(new Term(DOC_ID, filter.docId())), Occur.FILTER);
    }
    filter
        .metadata()
        .forEach(
            (key, value) ->
                query.add(new TermQuery(new Term(ChunkSchema.metaField(key), value)), Occur.FILTER));
    if (filter.principals() != null) {
      query.add(aclQuery(filter.principals()), Occur.FILTER);
    }
    return query.build();
  }

  /** Chunks without an ACL (the whole tenant sees them), or with one naming any of {@code principals}. */
  static Query aclQuery(java.util.Collection<String> principals) {
    BooleanQuery.Builder visible = new BooleanQuery.Builder();
    visible.add(new BooleanQuery.Builder()
        .add(new org.apache.lucene.search.MatchAllDocsQuery(), Occur.FILTER)
        .add(new org.apache.lucene.search.FieldExistsQuery(ChunkSchema.ACL), Occur.MUST_NOT)
        .build(), Occur.SHOULD);
    if (!principals.isEmpty()) {
      visible.add(new org.apache.lucene.search.TermInSetQuery(ChunkSchema.ACL,
          principals.stream().map(org.apache.lucene.util.BytesRef::new).toList()), Occur.SHOULD);
    }
    return visible.build();
  }

  private static void checkK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be positive, was " + k);
    }
  }
}
