package io.ragstream.indexer.qdrant;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.grpc.Collections.AliasDescription;
import io.ragstream.indexer.generation.GenerationCatalog;
import io.ragstream.indexer.generation.GenerationCounts;
import io.ragstream.indexer.generation.GenerationNames;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** Qdrant generations: the collections {@code <alias>_<generation>}, and the alias naming the served one. */
public final class QdrantGenerations implements GenerationCatalog {
  private final QdrantClient client;
  private final QdrantSettings settings;

  public QdrantGenerations(QdrantClient client, QdrantSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  @Override
  public String store() {
    return "qdrant";
  }

  @Override
  public List<String> list() throws IOException {
    String prefix = settings.alias() + "_";
    return QdrantCalls.await(client.listCollectionsAsync(settings.timeout()), settings.timeout(), "list collections")
        .stream().filter(c -> c.startsWith(prefix)).map(c -> c.substring(prefix.length())).sorted().toList();
  }

  @Override
  public Optional<String> current() throws IOException {
    String prefix = settings.alias() + "_";
    return aliasTarget().filter(c -> c.startsWith(prefix)).map(c -> c.substring(prefix.length()));
  }

  @Override
  public GenerationCounts counts(String generation) throws IOException {
    GenerationNames.requireValid(generation);
    if (!list().contains(generation)) {
      return GenerationCounts.EMPTY;
    }
    String collection = settings.collection(generation);
    return new GenerationCounts(QdrantCounts.documents(client, settings, collection),
        QdrantCounts.chunks(client, settings, collection));
  }

  @Override
  public void swap(String generation) throws IOException {
    GenerationNames.requireValid(generation);
    if (!list().contains(generation)) {
      throw new IllegalArgumentException("no qdrant collection for generation " + generation);
    }
    boolean exists = aliasTarget().isPresent();
    QdrantCalls.await(client.updateAliasesAsync(
        QdrantRequests.swapAlias(settings.alias(), settings.collection(generation), exists), settings.timeout()),
        settings.timeout(), "swap alias " + settings.alias());
  }

  @Override
  public void drop(String generation) throws IOException {
    if (current().filter(generation::equals).isPresent()) {
      throw new IllegalStateException("generation " + generation + " is current; swap to another one first");
    }
    QdrantCalls.await(client.deleteCollectionAsync(settings.collection(generation), settings.timeout()),
        settings.timeout(), "drop collection");
  }

  private Optional<String> aliasTarget() throws IOException {
    List<AliasDescription> aliases = QdrantCalls.await(client.listAliasesAsync(settings.timeout()),
        settings.timeout(), "list aliases");
    return aliases.stream().filter(a -> a.getAliasName().equals(settings.alias()))
        .map(AliasDescription::getCollectionName).findFirst();
  }
}
