package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.Topic;
import io.ragstream.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's topic table must say what the typed registry declares. */
class ReadmeTopicsTest {

  @Test
  void theReadmeTopicTableMatchesTheRegistry() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
    Map<String, String[]> rows = lines.stream()
        .filter(l -> l.startsWith("| `" + Topics.DEFAULT_PREFIX))
        .map(l -> l.split("\\|"))
        .collect(Collectors.toMap(cells -> cells[1].strip().replace("`", ""), Function.identity()));

    assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(
        Topics.ALL.stream().map(t -> t.name(Topics.DEFAULT_PREFIX)).toList());
    for (Topic<?, ?> topic : Topics.ALL) {
      String[] cells = rows.get(topic.name(Topics.DEFAULT_PREFIX));
      assertThat(cells[4].strip()).as("cleanup of %s", topic.suffix()).isEqualTo(topic.cleanupPolicy().config());
      assertThat(cells[5].strip()).as("partitions of %s", topic.suffix())
          .isEqualTo(String.valueOf(topic.partitions()));
    }
  }
}
