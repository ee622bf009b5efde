package io.ragstream.query.answer;

import io.ragstream.query.SearchRequest;
import io.ragstream.query.SearchResponse;
import io.ragstream.query.SearchResult;
import io.ragstream.query.SearchService;
import java.io.IOException;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * An answer without a language model: the sentences of the best chunks that share the most query terms, each cited
 * by its chunk, in retrieval order. It is labelled extractive so that no client mistakes it for generated text.
 *
 * <p>Sentence score: distinct query terms (lower-cased, stop words and one-letter tokens dropped) in the sentence,
 * divided by the square root of its length in terms, plus a small bonus for the chunk's rank, so a shorter sentence
 * that holds the same terms wins and ties go to the better-ranked chunk.
 */
public final class ExtractiveAnswerer implements Answerer {
  /** Sentences in an answer, at most. */
  public static final int MAX_SENTENCES = 3;
  private static final int CHUNKS = 5;
  private static final Set<String> STOP_WORDS = Set.of("a", "an", "and", "are", "as", "at", "be", "by", "do",
      "does", "for", "from", "how", "in", "is", "it", "of", "on", "or", "that", "the", "to", "was", "what", "when",
      "where", "which", "who", "why", "with");

  private final SearchService search;

  public ExtractiveAnswerer(SearchService search) {
    this.search = Objects.requireNonNull(search, "search");
  }

  /** Joins the cited sentences; {@code extractive} is always true; an empty answer when nothing matches. */
  @Override
  public Answer answer(String question, String tenant, List<String> principals) throws IOException {
    long start = System.nanoTime();
    SearchResponse response = search.search(new SearchRequest(question, CHUNKS, null, tenant, null).withPrincipals(principals));
    Set<String> terms = terms(question);
    List<Scored> scored = new ArrayList<>();
    List<SearchResult> results = response.results();
    for (int rank = 0; rank < results.size(); rank++) {
      SearchResult result = results.get(rank);
      for (String sentence : sentences(result.text())) {
        List<String> words = words(sentence);
        long shared = words.stream().filter(terms::contains).distinct().count();
        if (shared > 0) {
          double score = shared / Math.sqrt(words.size()) + 0.01 * (results.size() - rank);
          scored.add(new Scored(new Citation(result.chunkId(), result.docId(), sentence), score, rank));
        }
      }
    }
    List<Scored> best = scored.stream().sorted(Comparator.comparingDouble(Scored::score).reversed())
        .limit(MAX_SENTENCES).sorted(Comparator.comparingInt(Scored::rank)).toList();
    List<Citation> citations = best.stream().map(Scored::citation).toList();
    StringBuilder text = new StringBuilder();
    for (Citation c : citations) {
      text.append(text.isEmpty() ? "" : " ").append(c.sentence()).append(" [").append(c.chunkId()).append(']');
    }
    return new Answer(text.toString(), true, null, citations, (System.nanoTime() - start) / 1_000_000);
  }

  private record Scored(Citation citation, double score, int rank) {}

  static List<String> sentences(String text) {
    BreakIterator it = BreakIterator.getSentenceInstance(Locale.ROOT);
    it.setText(text);
    List<String> sentences = new ArrayList<>();
    for (int start = it.first(), end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
      String sentence = text.substring(start, end).strip();
      if (!sentence.isEmpty()) {
        sentences.add(sentence);
      }
    }
    return sentences;
  }

  static Set<String> terms(String text) {
    return new HashSet<>(words(text));
  }

  private static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    for (String token : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (token.length() > 1 && !STOP_WORDS.contains(token)) {
        words.add(token);
      }
    }
    return words;
  }
}
