package io.ragstream.query.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeirDatasetTest {
  @TempDir Path dir;

  @Test
  void readsCorpusQueriesAndGradedQrelsOfASplit() throws IOException {
    write();
    BeirDataset data = BeirDataset.open(dir);
    List<BeirDataset.CorpusDoc> docs = new ArrayList<>();
    data.forEachDoc(docs::add);

    assertThat(docs).extracting(BeirDataset.CorpusDoc::id).containsExactly("d1", "d2");
    assertThat(docs.get(0).body()).isEqualTo("Title one\n\nText one.");
    assertThat(docs.get(1).body()).as("no title, no blank lines").isEqualTo("Text two.");
    assertThat(data.queries()).containsEntry("q1", "what is one?");
    Qrels qrels = data.qrels("test");
    assertThat(qrels.queryIds()).containsExactly("q1");
    assertThat(qrels.of("q1")).containsEntry("d1", 2).containsEntry("d2", 0);
  }

  @Test
  void aMissingSplitOrAMalformedLineFailsNamingTheFile() throws IOException {
    write();
    BeirDataset data = BeirDataset.open(dir);
    assertThatThrownBy(() -> data.qrels("dev")).isInstanceOf(IOException.class).hasMessageContaining("dev.tsv");
    Files.writeString(dir.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\n");
    assertThatThrownBy(() -> data.qrels("test")).hasMessageContaining("test.tsv:2");
    assertThatThrownBy(() -> BeirDataset.open(dir.resolve("nowhere"))).hasMessageContaining("corpus.jsonl");
  }

  private void write() throws IOException {
    Files.writeString(dir.resolve("corpus.jsonl"), """
        {"_id": "d1", "title": "Title one", "text": "Text one."}
        {"_id": "d2", "title": "", "text": "Text two."}
        """);
    Files.writeString(dir.resolve("queries.jsonl"), """
        {"_id": "q1", "text": "what is one?"}
        {"_id": "q2", "text": "unjudged"}
        """);
    Files.createDirectories(dir.resolve("qrels"));
    Files.writeString(dir.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\n");
  }
}
