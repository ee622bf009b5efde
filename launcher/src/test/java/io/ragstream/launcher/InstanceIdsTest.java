package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A stage's instance id: the flag, then RAGSTREAM_INSTANCE, then the host name, then 0. */
class InstanceIdsTest {
  private static String resolve(String flag, Map<String, String> env) {
    Map<String, String> flags = flag == null ? Map.of() : Map.of("instance", flag);
    return CommonSettings.instance(Settings.resolve(CommonSettings.ALL, flags, env), env);
  }

  @Test
  void theOptionWinsThenTheVariableThenTheHostName() {
    Map<String, String> env = Map.of("RAGSTREAM_INSTANCE", "embedder-2", "HOSTNAME", "3f9c2a1b7d0e");
    assertThat(resolve("7", env)).isEqualTo("7");
    assertThat(resolve(null, env)).isEqualTo("embedder-2");
    assertThat(resolve(null, Map.of("HOSTNAME", "3f9c2a1b7d0e"))).isEqualTo("3f9c2a1b7d0e");
  }

  @Test
  void scaledReplicasWithoutOptionsGetDistinctIdsFromTheirHostNames() {
    assertThat(resolve(null, Map.of("HOSTNAME", "a1"))).isNotEqualTo(resolve(null, Map.of("HOSTNAME", "b2")));
  }

  @Test
  void nothingSetOrBlankMeansTheSingleWorkerId() {
    assertThat(resolve(null, Map.of())).isEqualTo("0");
    assertThat(resolve(" ", Map.of("RAGSTREAM_INSTANCE", ""))).isEqualTo("0");
  }
}
