package io.ragstream.indexer.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.ragstream.indexer.IndexTarget;
import io.ragstream.indexer.TestChunks;
import io.ragstream.indexer.generation.GenerationCounts;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.elasticsearch.ElasticsearchContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The keyword side of qdrant+elasticsearch against a full Elasticsearch image. Reported as skipped where no Docker
 * engine runs; {@link ElasticStoreRealNodeIT} runs the same store on a real node without Docker.
 */
@Testcontainers(disabledWithoutDocker = true)
class ElasticStoreIT {
  private static final SearchFilter ACME = SearchFilter.tenant("acme");

  @Container
  static final ElasticsearchContainer ES =
      new ElasticsearchContainer("docker.elastic.co/elasticsearch/elasticsearch:9.1.5")
          .withEnv("xpack.security.enabled", "false")
          .withEnv("ES_JAVA_OPTS", "-Xms512m -Xmx512m");

  private static ElasticsearchClient client;
  private static ElasticSettings settings;

  @BeforeAll
  static void connect() {
    // a full Elasticsearch image has the english analyzer (stemming), which the assertions below rely on
    settings = ElasticSettings.local("http://" + ES.getHttpHostAddress()).withAnalyzer("english");
    client = ElasticClients.create(settings);
  }

  @AfterAll
  static void disconnect() throws Exception {
    client.close();
  }

  @Test
  void upsertUpdateDeleteFilterTenantAndAliasSwap() throws Exception {
    ElasticStore g1 = ElasticStore.open(client, settings, "g1");
    g1.write(new WriteBatch(List.of(
        TestChunks.chunk("c1", "d1", "acme", "Consumers commit offsets after the batch is durable", 1, 4),
        TestChunks.chunk("c2", "d1", "acme", "Producers batch records by partition", 2, 4),
        TestChunks.chunk("c3", "d2", "globex", "Consumers commit offsets too", 1, 4)), List.of()));
    ElasticGenerations generations = new ElasticGenerations(client, settings);
    generations.swap("g1");
    ElasticSearcher searcher = new ElasticSearcher(client, settings);

    // English analysis: "committing offset" matches "commit offsets".
    assertThat(ids(searcher.keywordSearch("committing offset", 10, ACME))).containsExactly("c1");
    assertThat(ids(searcher.keywordSearch("batch", 10, new SearchFilter("acme", Map.of("team", "even"), null))))
        .containsExactly("c2");

    g1.write(new WriteBatch(List.of(TestChunks.chunk("c1", "d1", "acme", "edited text about zebras", 1, 4)),
        List.of("c2")));
    assertThat(searcher.chunksOfDocument("d1", "acme")).extracting(StoredChunk::text)
        .containsExactly("edited text about zebras");
    g1.deleteDocument("d2", "globex");
    assertThat(searcher.chunkCount()).isEqualTo(1);
    assertThat(g1.chunkCount()).isEqualTo(1);
    assertThat(g1.documentCount()).isEqualTo(1);

    ElasticStore g2 = ElasticStore.open(client, settings, "g2");
    g2.write(new WriteBatch(List.of(TestChunks.chunk("n1", "d1", "acme", "new generation text", 3, 4)), List.of()));
    generations.swap("g2");
    assertThat(generations.current()).contains("g2");
    assertThat(ids(searcher.keywordSearch("generation", 10, ACME))).containsExactly("n1");
    assertThat(generations.counts("g2")).isEqualTo(new GenerationCounts(1, 1));
    assertThat(generations.counts("g9")).isEqualTo(GenerationCounts.EMPTY);
    IndexTarget following = IndexTarget.following(generations, "g1",
        generation -> ElasticStore.open(client, settings, generation));
    assertThat(following.current()).isEqualTo("g2");
    assertThatThrownBy(() -> generations.drop("g2")).isInstanceOf(IllegalStateException.class);
    generations.drop("g1");
    assertThat(generations.list()).containsExactly("g2");
  }

  private static List<String> ids(List<Hit> hits) {
    return hits.stream().map(h -> h.chunk().chunkId()).toList();
  }
}
