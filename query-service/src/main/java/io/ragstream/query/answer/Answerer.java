package io.ragstream.query.answer;

import java.io.IOException;
import java.util.List;

/** Answers a question from a tenant's documents, citing the chunks it used. */
public interface Answerer {

  /** A cited chunk and the part of it the answer rests on (a sentence, or the chunk's opening for an LLM answer). */
  record Citation(String chunkId, String docId, String sentence) {}

  /**
   * An answer.
   *
   * @param extractive true when the text is copied from the documents rather than generated
   * @param model the chat model that wrote it, or null for an extractive answer
   * @param tookMs retrieval and answering time
   */
  record Answer(String answer, boolean extractive, String model, List<Citation> citations, long tookMs) {}

  /** An answer from everything the tenant holds. */
  default Answer answer(String question, String tenant) throws IOException {
    return answer(question, tenant, null);
  }

  /**
   * An answer from the documents a caller with {@code principals} may see (null: unrestricted): the retrieval
   * carries the principals, so a document the caller cannot see is never in the context and never cited.
   */
  Answer answer(String question, String tenant, List<String> principals) throws IOException;
}
