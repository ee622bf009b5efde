package io.ragstream.runtime.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {
  @Test
  void mapsKeysFromAFileOfDigestsAndFromPairsToTenants(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys");
    Files.writeString(file, "# comment\n\n" + ApiKeys.sha256Hex("alpha-secret") + " acme\n");
    ApiKeys keys = ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_FILE_ENV, file.toString(),
        ApiKeys.KEYS_ENV, "beta-secret=globex, gamma=acme"));

    assertThat(keys.isOpen()).isFalse();
    assertThat(keys.tenantOf("alpha-secret")).hasValue("acme");
    assertThat(keys.tenantOf("beta-secret")).hasValue("globex");
    assertThat(keys.tenantOf("gamma")).hasValue("acme");
    assertThat(keys.tenantOf("wrong")).isEmpty();
    assertThat(keys.tenantOf(null)).isEmpty();
  }

  @Test
  void neverShowsAKeyInTextOrErrors() {
    ApiKeys keys = ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_ENV, "s3cr3t-key=acme"));

    assertThat(keys.toString()).doesNotContain("s3cr3t").contains("1 keys").contains("acme");
    assertThatThrownBy(() -> ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_ENV, "ok=acme,s3cr3t-no-tenant")))
        .hasMessageContaining("entry 2").hasMessageNotContaining("s3cr3t");
  }

  @Test
  void rejectsMalformedConfiguration() {
    assertThatThrownBy(() -> ApiKeys.ofDigests(Map.of("abc", "t"))).hasMessageContaining("SHA-256");
    assertThatThrownBy(() -> ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_ENV, "k=a,k=b")))
        .hasMessageContaining("tenants 'a' and 'b'");
    assertThatThrownBy(() -> ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_FILE_ENV, "/nonexistent/keys")))
        .hasMessageContaining("cannot read");
  }

  @Test
  void withoutKeysIsOpen() {
    assertThat(ApiKeys.fromEnvironment(Map.of()).isOpen()).isTrue();
    assertThat(ApiKeys.sha256Hex("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void aThirdColumnGivesAKeyPrincipalsAndTwoColumnLinesStayKeysOfTheWholeTenant(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys");
    Files.writeString(file, ApiKeys.sha256Hex("eng-key") + " acme group:eng,user:ann\n"
        + ApiKeys.sha256Hex("all-key") + "   acme\n");
    ApiKeys keys = ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_FILE_ENV, file.toString(),
        ApiKeys.KEYS_ENV, "sales-key=acme|group:sales|user:bob, plain=globex"));

    assertThat(keys.principalOf("eng-key")).hasValue(new ApiKeys.Principal("acme",
        java.util.List.of("group:eng", "user:ann")));
    assertThat(keys.principalOf("all-key")).hasValue(new ApiKeys.Principal("acme", java.util.List.of()));
    assertThat(keys.principalOf("sales-key")).hasValue(new ApiKeys.Principal("acme",
        java.util.List.of("group:sales", "user:bob")));
    assertThat(keys.principalOf("plain")).hasValue(new ApiKeys.Principal("globex", java.util.List.of()));
    assertThat(keys.tenantOf("sales-key")).hasValue("acme");
  }

  @Test
  void refusesMalformedPrincipalsAndTenants(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys");
    Files.writeString(file, ApiKeys.sha256Hex("k") + " acme group:eng,,user:ann\n");
    assertThatThrownBy(() -> ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_FILE_ENV, file.toString())))
        .hasMessageContaining("line 1").hasMessageContaining("principal");
    Files.writeString(file, ApiKeys.sha256Hex("k") + " acme a b\n");
    assertThatThrownBy(() -> ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_FILE_ENV, file.toString())))
        .hasMessageContaining("line 1");
    assertThatThrownBy(() -> ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_ENV, "k=acme|")))
        .hasMessageContaining("entry 1").hasMessageContaining("principal");
    assertThatThrownBy(() -> ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_ENV, "k=" + "t".repeat(129))))
        .hasMessageContaining("tenant");
    assertThatThrownBy(() -> ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_ENV, "k=acme|a,k=acme|b")))
        .hasMessageContaining("other principals");
  }
}
