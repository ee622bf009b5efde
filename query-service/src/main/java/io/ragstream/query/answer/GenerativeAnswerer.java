package io.ragstream.query.answer;

import io.ragstream.query.SearchRequest;
import io.ragstream.query.SearchResult;
import io.ragstream.query.SearchService;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers with an LLM over an OpenAI-compatible endpoint: hybrid search, the best chunks packed into a token budget
 * ({@link ContextPacker}), each labelled with its chunk id, and the instruction to answer from them only and cite the
 * ids in brackets. The citations returned are the packed chunks the answer actually cites, so a hallucinated id is
 * never presented as a source.
 */
public final class GenerativeAnswerer implements Answerer {
  static final String SYSTEM = "You answer questions using only the numbered context passages. Cite every passage "
      + "you use by its id in square brackets, e.g. [abc123]. If the context does not contain the answer, say so.";
  private static final Pattern CITED = Pattern.compile("\\[([^\\[\\]\\s]+)]");
  private static final int CANDIDATES = 20;

  private final SearchService search;
  private final OpenAiChatClient chat;
  private final ContextPacker packer;

  public GenerativeAnswerer(SearchService search, OpenAiChatClient chat, ContextPacker packer) {
    this.search = Objects.requireNonNull(search, "search");
    this.chat = Objects.requireNonNull(chat, "chat");
    this.packer = Objects.requireNonNull(packer, "packer");
  }

  @Override
  public Answer answer(String question, String tenant, List<String> principals) throws IOException {
    long start = System.nanoTime();
    List<SearchResult> context = packer.pack(
        search.search(new SearchRequest(question, CANDIDATES, null, tenant, null).withPrincipals(principals)).results());
    StringBuilder user = new StringBuilder("Context:\n\n");
    context.forEach(r -> user.append(ContextPacker.block(r)));
    user.append("Question: ").append(question);
    String text = chat.complete(SYSTEM, user.toString());
    List<Citation> citations = new ArrayList<>();
    Matcher m = CITED.matcher(text);
    while (m.find()) {
      String id = m.group(1);
      context.stream().filter(r -> r.chunkId().equals(id)).findFirst()
          .filter(r -> citations.stream().noneMatch(c -> c.chunkId().equals(id)))
          .ifPresent(r -> citations.add(new Citation(r.chunkId(), r.docId(), excerpt(r.text()))));
    }
    return new Answer(text, false, chat.model(), citations, (System.nanoTime() - start) / 1_000_000);
  }

  private static String excerpt(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "…";
  }
}
