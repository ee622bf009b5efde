package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.indexer.generation.GenerationCounts;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import io.ragstream.query.SearchConfig;
import io.ragstream.query.SearchMode;
import io.ragstream.query.SearchRequest;
import io.ragstream.query.SearchResult;
import io.ragstream.query.SearchService;
import io.ragstream.servers.ElasticsearchNodeExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --store elasticsearch} as the query stage runs it, against a real Elasticsearch 9.2.0 node (the core-only
 * distribution, no Docker): the stores and searcher {@link StoreOptions} opens, chunks embedded by the real MiniLM
 * model, and the query service's keyword, vector and hybrid retrieval with tenancy and metadata filters; then a
 * second generation swapped in, which the same searcher follows.
 */
class ElasticsearchStoreSearchIT {
  @RegisterExtension static final ElasticsearchNodeExtension ES = new ElasticsearchNodeExtension();

  private static EmbeddingModel model;

  @TempDir Path dataDir;

  @BeforeAll
  static void loadModel() {
    model = EmbeddingModels.load(EmbeddingModels.ALL_MINILM_L6_V2.id());
  }

  @AfterAll
  static void closeModel() {
    if (model != null) {
      model.close();
    }
  }

  @Test
  void theQueryServiceRetrievesByKeywordsVectorsAndBothFromElasticsearchAloneAndFollowsASwap() throws Exception {
    StoreOptions options = parse("--store", "elasticsearch", "--elasticsearch-url", ES.urlString());
    assertThat(options.choice()).isEqualTo("elasticsearch");
    try (StoreOptions.Opened opened = options.generations(dataDir)) {
      assertThat(opened.stores()).extracting(StoreOptions.StoreGenerations::name).containsExactly("elasticsearch");
      StoreOptions.StoreGenerations elastic = opened.stores().getFirst();
      StoreOptions.serveIfUnserved(elastic, "g1", model.dimension());
      assertThat(elastic.catalog().current()).contains("g1");

      try (ChunkStore g1 = elastic.open("g1", model.dimension())) {
        g1.write(new WriteBatch(List.of(
            chunk("sourdough", "bread", "acme", "Sourdough bread rises slowly thanks to wild yeast and lactic"
                + " bacteria in the starter.", Map.of("topic", "baking")),
            chunk("kafka", "kafka", "acme", "Kafka consumers commit offsets once the batch has been processed.",
                Map.of("topic", "streaming")),
            chunk("volcano", "geo", "acme", "Volcanic eruptions eject ash and lava from the mantle.",
                Map.of("topic", "geology")),
            chunk("other-tenant", "bread", "globex", "Sourdough bread rises slowly with a wild yeast starter.",
                Map.of("topic", "baking"))), List.of()));
      }
      // documents are distinct ids across tenants (as every store counts them): bread, kafka, geo
      assertThat(elastic.catalog().counts("g1")).isEqualTo(new GenerationCounts(3, 4));

      ChunkSearcher searcher = options.openSearcher(dataDir, "g1");
      try (SearchService search = SearchService.builder(searcher, model).config(SearchConfig.defaults())
          .registry(new SimpleMeterRegistry()).build()) {
        // keywords: exact words
        assertThat(top(search, "offsets", SearchMode.KEYWORD, "acme", Map.of())).isEqualTo("kafka");
        // vectors: no word in common with the chunk, the meaning alone finds it
        assertThat(top(search, "how does leavened loaf get fluffy", SearchMode.VECTOR, "acme", Map.of()))
            .isEqualTo("sourdough");
        // both, fused
        assertThat(top(search, "magma from a mountain erupting", SearchMode.HYBRID, "acme", Map.of()))
            .isEqualTo("volcano");
        assertThat(ids(search, "sourdough bread starter", SearchMode.VECTOR, "acme", Map.of()))
            .as("unfiltered, every acme chunk is among the nearest").contains("sourdough", "kafka", "volcano");
        // tenancy in every mode: globex sees its own chunk only
        for (SearchMode mode : List.of(SearchMode.KEYWORD, SearchMode.VECTOR, SearchMode.HYBRID)) {
          assertThat(ids(search, "sourdough bread starter", mode, "globex", Map.of())).as(mode.wireName())
              .containsExactly("other-tenant");
          assertThat(ids(search, "sourdough bread starter", mode, "acme", Map.of())).as(mode.wireName())
              .doesNotContain("other-tenant");
          // metadata filters inside each retriever: only baking's chunk, though every acme chunk is a neighbour
          assertThat(ids(search, "sourdough bread starter", mode, "acme", Map.of("topic", "baking")))
              .as(mode.wireName()).containsExactly("sourdough");
        }

        // a second generation (as a replay builds it) is served after the swap, by the same searcher
        try (ChunkStore g2 = elastic.open("g2", model.dimension())) {
          g2.write(new WriteBatch(List.of(chunk("glacier", "ice", "acme", "Glaciers carve valleys as the ice"
              + " slowly flows downhill.", Map.of())), List.of()));
        }
        assertThat(elastic.catalog().list()).containsExactly("g1", "g2");
        elastic.catalog().swap("g2");
        assertThat(ids(search, "frozen river of ice shaping mountains", SearchMode.HYBRID, "acme", Map.of()))
            .containsExactly("glacier");
        assertThat(searcher.chunkCount()).isEqualTo(1);
        assertThatThrownBy(() -> elastic.catalog().drop("g2")).isInstanceOf(IllegalStateException.class);
        elastic.catalog().drop("g1");
        assertThat(elastic.catalog().list()).containsExactly("g2");
      }
    }
  }

  private static String top(SearchService search, String query, SearchMode mode, String tenant,
      Map<String, String> filter) throws Exception {
    List<String> ids = ids(search, query, mode, tenant, filter);
    assertThat(ids).as(mode.wireName() + " results for " + query).isNotEmpty();
    return ids.getFirst();
  }

  private static List<String> ids(SearchService search, String query, SearchMode mode, String tenant,
      Map<String, String> filter) throws Exception {
    List<String> ids = new ArrayList<>();
    for (SearchResult result : search.search(new SearchRequest(query, 10, mode, tenant, filter)).results()) {
      ids.add(result.chunkId());
    }
    return ids;
  }

  private static StoredChunk chunk(String chunkId, String docId, String tenant, String text,
      Map<String, String> metadata) {
    float[] vector = model.embedAll(List.of(text))[0];
    return new StoredChunk(chunkId, docId, tenant, 1L, 0, null, List.of(), text, docId + ".txt", metadata,
        model.id(), vector, 1_700_000_000_000L);
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
