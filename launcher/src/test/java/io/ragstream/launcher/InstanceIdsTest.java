package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceIdsTest {

  @Test
  void theOptionWinsThenTheVariableThenTheHostName() {
    Map<String, String> env = Map.of("RAGSTREAM_INSTANCE", "embedder-2", "HOSTNAME", "3f9c2a1b7d0e");
    assertThat(InstanceIds.resolve("7", env)).isEqualTo("7");
    assertThat(InstanceIds.resolve(null, env)).isEqualTo("embedder-2");
    assertThat(InstanceIds.resolve(null, Map.of("HOSTNAME", "3f9c2a1b7d0e"))).isEqualTo("3f9c2a1b7d0e");
  }

  @Test
  void scaledReplicasWithoutOptionsGetDistinctIdsFromTheirHostNames() {
    assertThat(InstanceIds.resolve(null, Map.of("HOSTNAME", "a1"))).isNotEqualTo(
        InstanceIds.resolve(null, Map.of("HOSTNAME", "b2")));
  }

  @Test
  void nothingSetOrBlankMeansTheSingleWorkerId() {
    assertThat(InstanceIds.resolve(null, Map.of())).isEqualTo("0");
    assertThat(InstanceIds.resolve(" ", Map.of("RAGSTREAM_INSTANCE", ""))).isEqualTo("0");
  }
}
