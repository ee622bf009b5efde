package io.ragstream.indexer;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.indexer.elastic.ElasticSettings;
import io.ragstream.indexer.qdrant.QdrantSettings;
import org.junit.jupiter.api.Test;

/** Store credentials never reach a log line or an error message through the settings' {@code toString}. */
class StoreSettingsSecretsTest {
  private static final String KEY = "sk-store-0123456789-very-secret";

  @Test
  void qdrantSettingsHideTheApiKey() {
    QdrantSettings local = QdrantSettings.local("qdrant.internal", 6334);
    QdrantSettings secured = new QdrantSettings(local.host(), local.port(), true, KEY, local.alias(),
        local.distance(), local.upsertBatchSize(), local.timeout());

    assertThat(secured.toString()).doesNotContain(KEY).contains("[hidden]", "qdrant.internal");
    assertThat(local.toString()).contains("apiKey=none");
  }

  @Test
  void elasticsearchSettingsHideTheApiKey() {
    ElasticSettings local = ElasticSettings.local("https://es.internal:9200");
    ElasticSettings secured = new ElasticSettings(local.url(), KEY, local.alias(), local.refresh(), local.replicas(),
        local.maxAttempts(), local.initialBackoff());

    assertThat(secured.toString()).doesNotContain(KEY).contains("[hidden]", "es.internal");
  }

  @Test
  void elasticsearchSettingsHideThePasswordButNameTheUser() {
    ElasticSettings user = ElasticSettings.local("http://elasticsearch:9200").withUser("ragstream", KEY);

    assertThat(user.toString()).doesNotContain(KEY).contains("username=ragstream", "password=[hidden]");
  }
}
