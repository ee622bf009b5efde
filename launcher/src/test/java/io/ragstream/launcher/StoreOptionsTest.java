package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.indexer.generation.GenerationCounts;
import io.ragstream.indexer.store.ChunkStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The store choice shared by {@code stage}, {@code replay} and {@code generations}, exercised on Lucene (the one that
 * runs without servers): the same catalog and opener calls the Qdrant and Elasticsearch pair goes through.
 */
class StoreOptionsTest {
  @TempDir Path dataDir;

  @Test
  void luceneIsOneStoreWhoseCatalogAndOpenerShareTheDataDirectory() throws Exception {
    StoreOptions options = parse("--store", "lucene");
    try (StoreOptions.Opened opened = options.generations(dataDir)) {
      assertThat(opened.stores()).extracting(StoreOptions.StoreGenerations::name).containsExactly("lucene");
      StoreOptions.StoreGenerations lucene = opened.stores().getFirst();
      try (ChunkStore g2 = lucene.open("g2", 384)) {
        assertThat(g2.generation()).isEqualTo("g2");
        assertThat(g2.chunkCount()).isZero();
      }
      assertThat(lucene.catalog().list()).containsExactly("g2");
      assertThat(lucene.catalog().counts("g2")).isEqualTo(GenerationCounts.EMPTY);
    }
  }

  @Test
  void aStoreNobodyServesYetIsPointedAtTheConfiguredGenerationOnceAndNeverMovedAfter() throws Exception {
    StoreOptions options = parse("--store", "lucene");
    try (StoreOptions.Opened opened = options.generations(dataDir)) {
      StoreOptions.StoreGenerations lucene = opened.stores().getFirst();
      assertThat(lucene.catalog().current()).isEmpty();

      StoreOptions.serveIfUnserved(lucene, "g1", 384);
      assertThat(lucene.catalog().current()).contains("g1");

      lucene.open("g2", 384).close();
      StoreOptions.serveIfUnserved(lucene, "g2", 384);
      assertThat(lucene.catalog().current()).as("a served alias is a replay's to move").contains("g1");
    }
  }

  @Test
  void anUnknownStoreIsRefusedNamingTheChoices() {
    StoreOptions options = parse("--store", "solr");
    assertThatThrownBy(options::choice).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--store must be lucene, elasticsearch or qdrant+elasticsearch, got solr");
  }

  private static StoreOptions parse(String... args) {
    @CommandLine.Command(name = "t")
    class Holder {
      @CommandLine.Mixin StoreOptions stores = new StoreOptions();
    }
    Holder holder = new Holder();
    new CommandLine(holder).parseArgs(args);
    return holder.stores;
  }
}
