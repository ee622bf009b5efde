package io.ragstream.query.answer;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.StoredChunk;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExtractiveAnswererTest {
  private static final StoredChunk FIRST = chunk("c1", "Zebras live in Africa. They migrate across the Serengeti "
      + "every year, following the rains. Their stripes are unique.");
  private static final StoredChunk SECOND = chunk("c2", "Lions hunt zebras. The migration draws predators.");

  @Test
  void answersWithTheSentencesSharingTheMostQueryTermsEachCitedAndMarkedExtractive() throws IOException {
    ExtractiveAnswerer answerer = new ExtractiveAnswerer(AnswerFixtures.service(List.of(new Hit(FIRST, 2f), new Hit(SECOND, 1f))));

    Answerer.Answer answer = answerer.answer("When do zebras migrate across the Serengeti?", "default");

    assertThat(answer.extractive()).isTrue();
    assertThat(answer.citations()).isNotEmpty().hasSizeLessThanOrEqualTo(ExtractiveAnswerer.MAX_SENTENCES);
    assertThat(answer.citations().getFirst().sentence())
        .isEqualTo("They migrate across the Serengeti every year, following the rains.");
    assertThat(answer.citations()).extracting(Answerer.Citation::sentence)
        .doesNotContain("Their stripes are unique.");
    assertThat(answer.answer()).contains("Serengeti every year, following the rains. [c1]");
  }

  @Test
  void nothingMatchingGivesAnEmptyAnswer() throws IOException {
    Answerer.Answer answer = new ExtractiveAnswerer(AnswerFixtures.service(List.of())).answer("quantum flux", "default");
    assertThat(answer.answer()).isEmpty();
    assertThat(answer.citations()).isEmpty();
    assertThat(answer.extractive()).isTrue();
  }

  @Test
  void splitsSentences() {
    assertThat(ExtractiveAnswerer.sentences("One. Two? Three!  ")).containsExactly("One.", "Two?", "Three!");
  }

  static StoredChunk chunk(String id, String text) {
    return new StoredChunk(id, "doc-" + id, "default", 1L, 0, "", List.of(), text, id + ".txt", Map.of(), "m", null,
        1L);
  }
}
