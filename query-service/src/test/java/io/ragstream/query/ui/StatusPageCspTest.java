package io.ragstream.query.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The status page's CSP allows exactly its own inline script and style, by hash, and nothing from elsewhere. */
class StatusPageCspTest {
  @Test
  void allowsTheInlineScriptAndStyleByTheirHashesOnly() throws Exception {
    String html = "<html><head><style>body{margin:0}</style></head><body>"
        + "<script>\nconsole.log('hi');\n</script></body></html>";

    String csp = StatusPage.contentSecurityPolicy(html);

    assertThat(csp).contains("script-src 'sha256-" + sha256("\nconsole.log('hi');\n") + "'")
        .contains("style-src 'sha256-" + sha256("body{margin:0}") + "'")
        .contains("default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'", "form-action 'none'")
        .doesNotContain("unsafe-inline", "unsafe-eval", "*");
    assertThat(StatusPage.contentSecurityPolicy("<p>no script</p>")).contains("script-src 'none'");
  }

  private static String sha256(String text) throws Exception {
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
        .digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
