package io.ragstream.query.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.query.Fusion;
import io.ragstream.query.SearchConfig;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExperimentTest {
  private final Experiment experiment = new Experiment("fusion",
      List.of(Variant.control("control"), new Variant("rrf", "rrf", 20, null, null, false)));

  @Test
  void assignsTheSameUserToTheSameVariantAndSplitsUsersEvenly() {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      Variant v = experiment.assign("user-" + i);
      assertThat(experiment.assign("user-" + i)).isEqualTo(v);
      counts.merge(v.name(), 1, Integer::sum);
    }
    assertThat(counts.get("control")).isBetween(4_800, 5_200);
    assertThat(counts.get("rrf")).isBetween(4_800, 5_200);
  }

  @Test
  void variantsOverrideOnlyWhatTheyName() {
    SearchConfig base = SearchConfig.defaults();

    assertThat(experiment.control().apply(base)).isEqualTo(base);
    SearchConfig rrf = experiment.variants().get(1).apply(base);
    assertThat(rrf.fusion()).isEqualTo(Fusion.RRF);
    assertThat(rrf.rrfK()).isEqualTo(20);
    assertThat(rrf.candidatesPerRetriever()).isEqualTo(base.candidatesPerRetriever());
    assertThat(experiment.variants().get(1).rerank(true)).isFalse();
    assertThat(experiment.control().rerank(true)).isTrue();
  }

  @Test
  void configurationIsValidatedStrictly() throws Exception {
    assertThat(Experiments.parse("""
        {"experiments": [{"name": "x", "variants": [{"name": "a"}, {"name": "b", "fusion": "rrf", "rrfK": 5}]}]}"""
        .getBytes(StandardCharsets.UTF_8))).singleElement().satisfies(e -> assertThat(e.variants()).hasSize(2));
    assertThatThrownBy(() -> Experiments.parse("""
        {"experiments": [{"name": "x", "variants": [{"name": "a"}, {"name": "b", "rrfk": 5}]}]}"""
        .getBytes(StandardCharsets.UTF_8))).hasMessageContaining("rrfk");
    assertThatThrownBy(() -> new Experiment("x", List.of(Variant.control("a")))).hasMessageContaining("two");
    assertThatThrownBy(() -> new Variant("b", "borda", null, null, null, null)).hasMessageContaining("borda");
  }
}
