package io.ragstream.servers;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real Elasticsearch node for a test class: started before its first test, stopped (whole process tree) after
 * its last. Register it on a static field, {@code @RegisterExtension static final ElasticsearchNodeExtension ES = new
 * ElasticsearchNodeExtension();}, and read {@link #url()} in {@code @BeforeAll} or the tests. Where no node can run
 * ({@link ElasticsearchNode#unavailableReason()}), the class is reported skipped with that reason.
 *
 * <p>Files live under the module's {@code target/elasticsearch/}: the unpacked distribution, shared by the module's
 * classes, and one directory per class, emptied before its node starts. Where the node's user cannot reach the
 * checkout (as root in a checkout under {@code /root}), they live in a directory under {@code /tmp}, deleted after. A start takes 10-40 s on a small machine,
 * so test classes share their node across tests (with an alias or index each) rather than start one per test.
 */
public final class ElasticsearchNodeExtension implements BeforeAllCallback, AfterAllCallback {
  private ElasticsearchNode.Running running;
  private Path temporaryRoot;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Optional<String> why = ElasticsearchNode.unavailableReason();
    Assumptions.assumeTrue(why.isEmpty(), () -> "no real Elasticsearch node on this machine: " + why.orElseThrow());
    Path root = Path.of("target", "elasticsearch").toAbsolutePath();
    if (!ElasticsearchNode.nodeUserCanWrite(root)) {
      // a checkout the node's user cannot reach (as root under /root, mode 700): a world-searchable directory instead
      temporaryRoot = Files.createTempDirectory(Path.of("/tmp"), "ragstream-es-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
      root = temporaryRoot;
      Assumptions.assumeTrue(ElasticsearchNode.nodeUserCanWrite(root), () -> "no real Elasticsearch node: the user "
          + ElasticsearchNode.USER + " can reach neither " + Path.of("target").toAbsolutePath() + " nor /tmp");
    }
    Path dir = root.resolve(context.getRequiredTestClass().getSimpleName());
    ElasticsearchNode.deleteTree(dir);
    running = ElasticsearchNode.builder(dir).home(root.resolve("elasticsearch-" + ElasticsearchNode.VERSION))
        .build().start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    try {
      if (running != null) {
        running.close();
        running = null;
      }
    } finally {
      if (temporaryRoot != null) {
        ElasticsearchNode.deleteTree(temporaryRoot);
        temporaryRoot = null;
      }
    }
  }

  /** The node's HTTP endpoint. */
  public URI url() {
    if (running == null) {
      throw new IllegalStateException("the Elasticsearch node is not running (register the extension on a static"
          + " field; it starts before @BeforeAll)");
    }
    return running.url();
  }

  /** {@code http://127.0.0.1:<port>}, as ragstream's Elasticsearch settings take it. */
  public String urlString() {
    return url().toString();
  }

  /** The running node, e.g. to stop it mid-test. */
  public ElasticsearchNode.Running running() {
    return running;
  }
}
