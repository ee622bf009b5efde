package io.ragstream.indexer.elastic;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import io.ragstream.indexer.generation.GenerationCatalog;
import io.ragstream.indexer.generation.GenerationCounts;
import io.ragstream.indexer.generation.GenerationNames;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** Elasticsearch generations: the indices {@code <alias>-<generation>}, and the alias naming the served one. */
public final class ElasticGenerations implements GenerationCatalog {
  private final ElasticsearchClient client;
  private final ElasticSettings settings;

  public ElasticGenerations(ElasticsearchClient client, ElasticSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  @Override
  public String store() {
    return "elasticsearch";
  }

  @Override
  public List<String> list() throws IOException {
    String prefix = settings.alias() + "-";
    return client.indices().get(g -> g.index(prefix + "*")).indices().keySet().stream()
        .filter(i -> i.startsWith(prefix)).map(i -> i.substring(prefix.length())).sorted().toList();
  }

  @Override
  public Optional<String> current() throws IOException {
    String prefix = settings.alias() + "-";
    return aliased().stream().filter(i -> i.startsWith(prefix)).map(i -> i.substring(prefix.length())).findFirst();
  }

  @Override
  public GenerationCounts counts(String generation) throws IOException {
    GenerationNames.requireValid(generation);
    if (!list().contains(generation)) {
      return GenerationCounts.EMPTY;
    }
    String index = settings.index(generation);
    return new GenerationCounts(ElasticCounts.documents(client, index), ElasticCounts.chunks(client, index));
  }

  @Override
  public void swap(String generation) throws IOException {
    GenerationNames.requireValid(generation);
    if (!list().contains(generation)) {
      throw new IllegalArgumentException("no elasticsearch index for generation " + generation);
    }
    client.indices().updateAliases(
        ElasticRequests.swapAlias(settings.alias(), settings.index(generation), aliased()));
  }

  @Override
  public void drop(String generation) throws IOException {
    if (current().filter(generation::equals).isPresent()) {
      throw new IllegalStateException("generation " + generation + " is current; swap to another one first");
    }
    client.indices().delete(d -> d.index(settings.index(generation)));
  }

  /** The indices the alias points at now (none before the first swap). */
  private List<String> aliased() throws IOException {
    try {
      return List.copyOf(client.indices().getAlias(a -> a.name(settings.alias())).aliases().keySet());
    } catch (ElasticsearchException e) {
      if (e.status() == 404) {
        return List.of(); // the alias does not exist yet: the first swap creates it
      }
      throw e;
    }
  }
}
