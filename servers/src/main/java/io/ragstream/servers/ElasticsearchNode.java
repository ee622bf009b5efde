package io.ragstream.servers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * One real Elasticsearch node run as a local OS process from the distribution Maven Central publishes
 * ({@code org.elasticsearch.distribution.integ-test-zip:elasticsearch:zip}, the version pinned in the parent pom as
 * {@code elasticsearch.version}). The build resolves it into the local Maven repository and records its path in
 * {@code elasticsearch-distribution.properties}; nothing is downloaded at run time.
 *
 * <p>Layout: the distribution is unpacked once into {@link #home()} (read-only afterwards, so several nodes or test
 * classes can share it); everything a node writes lives under its own {@code directory}: {@code config/}
 * (ES_PATH_CONF: the distribution's files plus our {@code elasticsearch.yml} and heap options), {@code data/},
 * {@code logs/} (server logs, GC log, and {@code console.log}, the process's stdout and stderr) and {@code tmp/}.
 *
 * <p>The node is a single-node cluster on 127.0.0.1 (development mode: the production bootstrap checks such as
 * {@code vm.max_map_count} are warnings), security off (plain HTTP, no credentials), disk watermarks off (a CI disk
 * that is 95% full must not turn every index read-only), and a small fixed heap.
 *
 * <p>Elasticsearch refuses to run as root. When this JVM runs as root the node runs as {@value #USER} (created by
 * {@code .ci/run}: {@code useradd --system --create-home ragstream-es}) through {@code setpriv}, which
 * {@code exec}s, so the process's pid is the node's launcher; the directories it writes are chowned to that user.
 * {@link #unavailableReason()} says why a node cannot run on this machine (tests skip with that sentence).
 *
 * <p>Two ways to run it: {@link #processBuilder()} for a supervisor that spawns and restarts the process itself
 * (after {@link #prepare()}), and {@link #start()} which prepares, starts and waits for the cluster health, returning
 * a {@link Running} handle whose {@code close()} stops the process tree.
 */
public final class ElasticsearchNode {

  /** The non-root user the node runs as when this JVM runs as root. */
  public static final String USER = "ragstream-es";

  /** The distribution version this build resolved (the parent pom's {@code elasticsearch.version}). */
  public static final String VERSION;

  private static final Path RECORDED_ZIP;

  static {
    Properties p = new Properties();
    try (InputStream in = ElasticsearchNode.class.getResourceAsStream("elasticsearch-distribution.properties")) {
      if (in == null) {
        throw new IllegalStateException("elasticsearch-distribution.properties is missing from the servers jar");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    VERSION = p.getProperty("version");
    String zip = p.getProperty("zip", "");
    // an unfiltered placeholder means the resource was not built by Maven (e.g. an IDE copying sources)
    RECORDED_ZIP = zip.isBlank() || zip.startsWith("${") ? null : Path.of(zip);
  }

  /**
   * The cluster health a start waits for. A fresh node is green; after a restart it is green only if every index
   * has 0 replicas (ragstream's single-node setting), since a replica is never assigned on a single node.
   */
  public enum Health {
    /** every primary shard assigned: the node serves every index (the best a single node with replicas reaches) */
    YELLOW,
    /** every shard assigned */
    GREEN;

    String param() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Path directory;
  private final Path home;
  private final Path distribution;
  private final String nodeName;
  private final int httpPort;
  private final int transportPort;
  private final String heap;
  private final Map<String, String> extraSettings;

  private ElasticsearchNode(Builder b) {
    this.directory = b.directory.toAbsolutePath().normalize();
    this.distribution = b.distribution != null ? b.distribution : RECORDED_ZIP;
    this.home = (b.home != null ? b.home : directory.resolve("elasticsearch-" + VERSION)).toAbsolutePath().normalize();
    this.nodeName = b.nodeName;
    this.httpPort = b.httpPort > 0 ? b.httpPort : freePort();
    this.transportPort = b.transportPort > 0 ? b.transportPort : freePort();
    this.heap = b.heap;
    this.extraSettings = Map.copyOf(b.settings);
  }

  /** A node whose files live under {@code directory}; ports default to free ones picked now. */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /** The node's HTTP endpoint, {@code http://127.0.0.1:<httpPort>}. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + httpPort);
  }

  public int httpPort() {
    return httpPort;
  }

  public int transportPort() {
    return transportPort;
  }

  public String nodeName() {
    return nodeName;
  }

  /** Where the distribution is (or will be) unpacked. */
  public Path home() {
    return home;
  }

  /** Everything this node writes: config, data, logs, tmp. */
  public Path directory() {
    return directory;
  }

  public Path configDir() {
    return directory.resolve("config");
  }

  public Path dataDir() {
    return directory.resolve("data");
  }

  public Path logsDir() {
    return directory.resolve("logs");
  }

  /** The process's stdout and stderr, as {@link #processBuilder()} redirects them. */
  public Path consoleLog() {
    return logsDir().resolve("console.log");
  }

  /**
   * Why no node can run on this machine with the recorded distribution, or empty if one can: the distribution is
   * not in the local Maven repository, or this JVM runs as root and there is no {@value #USER} user or no
   * {@code setpriv} to become it. (Whether that user may write a given directory is checked by {@link #prepare()}.)
   */
  public static Optional<String> unavailableReason() {
    return unavailableReason(RECORDED_ZIP);
  }

  private static Optional<String> unavailableReason(Path zip) {
    if (zip == null) {
      return Optional.of("the Elasticsearch distribution path was not recorded by the build"
          + " (servers/target/classes/io/ragstream/servers/elasticsearch-distribution.properties): build with Maven");
    }
    if (!Files.isRegularFile(zip)) {
      return Optional.of("the Elasticsearch " + VERSION + " distribution is not at " + zip
          + ": run the Maven build, which resolves org.elasticsearch.distribution.integ-test-zip:elasticsearch:"
          + VERSION + ":zip into the local repository");
    }
    if (!isRoot()) {
      return Optional.empty();
    }
    if (findExecutable("setpriv").isEmpty()) {
      return Optional.of("Elasticsearch refuses to run as root, and setpriv (util-linux), needed to run it as "
          + USER + ", is not installed");
    }
    try {
      lookup().lookupPrincipalByName(USER);
    } catch (UserPrincipalNotFoundException e) {
      return Optional.of("Elasticsearch refuses to run as root, and there is no user " + USER
          + " to run it as: create it with `useradd --system --create-home " + USER + "` (.ci/run does)");
    } catch (IOException e) {
      return Optional.of("could not look up the user " + USER + ": " + e.getMessage());
    }
    return Optional.empty();
  }

  /**
   * Makes the node ready to start, idempotently: unpacks the distribution into {@link #home()} unless it is there,
   * (re)writes {@code config/}, creates {@code data/}, {@code logs/}, {@code tmp/} and, as root, gives them to
   * {@value #USER} and checks that this user can reach the home and write the directory.
   *
   * @throws IllegalStateException saying why, when {@link #unavailableReason()} applies or the user cannot reach the
   *     directories (e.g. a data directory under {@code /root})
   */
  public void prepare() throws IOException, InterruptedException {
    Optional<String> why = unavailableReason(distribution);
    if (why.isPresent()) {
      throw new IllegalStateException(why.get());
    }
    unpack(distribution, home);
    Files.createDirectories(directory);
    for (Path dir : List.of(configDir(), dataDir(), logsDir(), tmpDir())) {
      Files.createDirectories(dir);
    }
    writeConfig();
    if (isRoot()) {
      chown(List.of(configDir(), dataDir(), logsDir(), tmpDir()));
      checkReachable();
    }
  }

  /**
   * The process that runs the node, for a supervisor: call {@link #prepare()} once first. Its pid is the node's
   * launcher (the Elasticsearch CLI JVM, which runs the server JVM as its child and stops it on SIGTERM; a server
   * whose launcher was SIGKILLed exits when its stdin closes). Output goes to {@link #consoleLog()}, appended; the
   * caller may change the redirects.
   */
  public ProcessBuilder processBuilder() {
    List<String> command = new ArrayList<>();
    if (isRoot()) {
      // setpriv execs (no fork, unlike runuser/su), so the pid the caller sees is the node's own
      command.addAll(List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups", "--"));
    }
    command.add(home.resolve("bin/elasticsearch").toString());
    ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile());
    Map<String, String> env = pb.environment();
    // the distribution has no bundled JDK: the node runs on this JVM's Java (21+)
    env.put("ES_JAVA_HOME", System.getProperty("java.home"));
    env.put("ES_PATH_CONF", configDir().toString());
    env.put("ES_TMPDIR", tmpDir().toString());
    env.put("HOME", directory.toString());
    // the scripts warn about (or refuse) these; the heap and options come from config/jvm.options.d
    for (String name : List.of("JAVA_HOME", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JAVA_OPTS", "ES_JAVA_OPTS",
        "CLI_JAVA_OPTS")) {
      env.remove(name);
    }
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(consoleLog().toFile()));
    return pb;
  }

  /** {@link #start(Duration, Health)} with two minutes and {@link Health#GREEN}. */
  public Running start() throws IOException, InterruptedException {
    return start(Duration.ofMinutes(2), Health.GREEN);
  }

  /**
   * Prepares, starts the process and waits until the cluster health reaches {@code health}.
   *
   * @throws IOException if the process exits or the health is not reached in time (the process is then stopped);
   *     the message ends with the tail of the console log
   */
  public Running start(Duration timeout, Health health) throws IOException, InterruptedException {
    prepare();
    Process process = processBuilder().start();
    Running running = new Running(this, process);
    try {
      awaitHealth(url(), health, timeout, process);
    } catch (IOException | RuntimeException | InterruptedException e) {
      running.close();
      throw e;
    }
    return running;
  }

  /**
   * Waits until the node at {@code url} reports at least {@code health}, polling; fails early if {@code process}
   * (nullable) exits.
   */
  public static void awaitHealth(URI url, Health health, Duration timeout, Process process)
      throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    ObjectMapper json = new ObjectMapper();
    Instant deadline = Instant.now().plus(timeout);
    HttpRequest request = HttpRequest.newBuilder(url.resolve(
            "/_cluster/health?wait_for_status=" + health.param() + "&timeout=2s"))
        .timeout(Duration.ofSeconds(10)).GET().build();
    String last = "no answer yet";
    while (Instant.now().isBefore(deadline)) {
      if (process != null && !process.isAlive()) {
        throw new IOException("elasticsearch exited with status " + process.exitValue() + " before it was "
            + health.param());
      }
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          JsonNode body = json.readTree(response.body());
          if (!body.path("timed_out").asBoolean(false)) {
            return;
          }
          last = "status " + body.path("status").asText();
        } else {
          last = "HTTP " + response.statusCode() + " " + response.body();
        }
      } catch (ConnectException | HttpTimeoutException e) {
        last = "not listening yet";
        Thread.sleep(250);
      } catch (IOException e) {
        last = e.toString();
        Thread.sleep(250);
      }
    }
    throw new IOException("elasticsearch at " + url + " was not " + health.param() + " after " + timeout + " ("
        + last + ")");
  }

  /** A port free on 127.0.0.1 now (another process may take it before the node binds it). */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  private Path tmpDir() {
    return directory.resolve("tmp");
  }

  private void writeConfig() throws IOException {
    Path distConfig = home.resolve("config");
    try (Stream<Path> files = Files.list(distConfig)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString();
        if (name.equals("elasticsearch.yml") || name.equals("jvm.options")) {
          continue;
        }
        Path target = configDir().resolve(name);
        if (!Files.exists(target)) {
          Files.copy(f, target);
        }
      }
    }
    // the distribution's GC log and crash files are relative to the working directory (the read-only home)
    String jvmOptions = Files.readString(distConfig.resolve("jvm.options"), StandardCharsets.UTF_8)
        .replace("file=gc.log", "file=" + logsDir().resolve("gc.log"))
        .replace("-XX:ErrorFile=hs_err_pid%p.log", "-XX:ErrorFile=" + logsDir().resolve("hs_err_pid%p.log"));
    Files.writeString(configDir().resolve("jvm.options"), jvmOptions, StandardCharsets.UTF_8);
    Path optionsDir = configDir().resolve("jvm.options.d");
    Files.createDirectories(optionsDir);
    Files.writeString(optionsDir.resolve("ragstream.options"), String.join("\n",
        "# written by ragstream's ElasticsearchNode: a small fixed heap (a laptop or CI node, not production)",
        "-Xms" + heap,
        "-Xmx" + heap,
        "-XX:HeapDumpPath=" + logsDir(),
        ""), StandardCharsets.UTF_8);

    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("cluster.name", "ragstream");
    settings.put("node.name", nodeName);
    settings.put("path.data", dataDir().toString());
    settings.put("path.logs", logsDir().toString());
    settings.put("network.host", "127.0.0.1");
    settings.put("http.port", String.valueOf(httpPort));
    settings.put("transport.port", String.valueOf(transportPort));
    settings.put("discovery.type", "single-node");
    settings.put("xpack.security.enabled", "false");
    settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
    settings.putAll(extraSettings);
    StringBuilder yml = new StringBuilder("# written by ragstream's ElasticsearchNode at each prepare()\n");
    settings.forEach((k, v) -> yml.append(k).append(": \"")
        .append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n"));
    Files.writeString(configDir().resolve("elasticsearch.yml"), yml.toString(), StandardCharsets.UTF_8);
  }

  /** Unpacks the zip's top directory as {@code home}, atomically (a half-unpacked home is never seen). */
  static void unpack(Path zip, Path home) throws IOException {
    if (Files.isRegularFile(home.resolve("bin/elasticsearch"))) {
      return;
    }
    Path parent = home.getParent();
    Files.createDirectories(parent);
    Path staging = Files.createTempDirectory(parent, home.getFileName() + ".unpacking-");
    // a temporary directory is private (700); the home must be readable by the user the node runs as
    Files.setPosixFilePermissions(staging, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    try {
      try (ZipFile file = new ZipFile(zip.toFile())) {
        for (ZipEntry entry : java.util.Collections.list(file.entries())) {
          // drop the archive's top directory (elasticsearch-<version>/)
          String name = entry.getName();
          int slash = name.indexOf('/');
          String relative = slash < 0 ? "" : name.substring(slash + 1);
          if (relative.isEmpty()) {
            continue;
          }
          Path target = staging.resolve(relative).normalize();
          if (!target.startsWith(staging)) {
            throw new IOException("zip entry outside the archive: " + name);
          }
          if (entry.isDirectory()) {
            Files.createDirectories(target);
            continue;
          }
          Files.createDirectories(target.getParent());
          try (InputStream in = file.getInputStream(entry)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
          }
          // java.util.zip does not carry Unix modes: the launch scripts are what must be executable
          if (relative.startsWith("bin/") || relative.contains("/bin/")) {
            Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(target));
            perms.addAll(EnumSet.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_EXECUTE));
            Files.setPosixFilePermissions(target, perms);
          }
        }
      }
      try {
        Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
        if (!Files.isRegularFile(home.resolve("bin/elasticsearch"))) {
          throw e;
        }
        // another process unpacked it meanwhile: use theirs
      } catch (IOException e) {
        if (!Files.isRegularFile(home.resolve("bin/elasticsearch"))) {
          throw e;
        }
      }
    } finally {
      deleteTree(staging);
    }
  }

  private static void chown(List<Path> roots) throws IOException {
    UserPrincipalLookupService lookup = lookup();
    UserPrincipal user = lookup.lookupPrincipalByName(USER);
    GroupPrincipal group;
    try {
      group = lookup.lookupPrincipalByGroupName(USER);
    } catch (UserPrincipalNotFoundException e) {
      group = null; // useradd --system without a user group: the owner alone is enough
    }
    for (Path root : roots) {
      try (Stream<Path> paths = Files.walk(root)) {
        for (Path p : paths.toList()) {
          PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
          view.setOwner(user);
          if (group != null) {
            view.setGroup(group);
          }
        }
      }
    }
  }

  /**
   * Whether the user the node runs as can reach and write {@code directory} (created if missing): always when this
   * JVM is not root; as root, whether {@value #USER} can (a directory under {@code /root}, mode 700, it cannot).
   */
  public static boolean nodeUserCanWrite(Path directory) throws IOException, InterruptedException {
    Files.createDirectories(directory);
    if (!isRoot()) {
      return true;
    }
    Process check = new ProcessBuilder("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups", "--",
        "/bin/sh", "-c", "test -x \"$1\" && test -r \"$1\"", "sh", directory.toAbsolutePath().toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return check.waitFor() == 0;
  }

  /** As root: checks, as {@value #USER}, that the launch script is reachable and the data directory writable. */
  private void checkReachable() throws IOException, InterruptedException {
    Process check = new ProcessBuilder("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups", "--",
        "/bin/sh", "-c", "test -x \"$1\" && test -r \"$2\" && test -w \"$3\" && test -w \"$4\"", "sh",
        home.resolve("bin/elasticsearch").toString(), home.resolve("lib").toString(), dataDir().toString(),
        logsDir().toString())
        .redirectErrorStream(true).start();
    String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (check.waitFor() != 0) {
      throw new IllegalStateException("the user " + USER + " cannot run " + home.resolve("bin/elasticsearch")
          + " or write " + directory + " (every parent directory must be readable and searchable by others,"
          + " e.g. not under /root)" + (output.isBlank() ? "" : ": " + output.strip()));
    }
  }

  private static boolean isRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static UserPrincipalLookupService lookup() {
    return Path.of("/").getFileSystem().getUserPrincipalLookupService();
  }

  private static Optional<Path> findExecutable(String name) {
    String path = Objects.requireNonNullElse(System.getenv("PATH"), "/usr/bin:/bin:/usr/sbin:/sbin");
    for (String dir : (path + ":/usr/bin:/bin").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return Optional.of(Path.of(dir, name));
      }
    }
    return Optional.empty();
  }

  /** Deletes a directory tree (a node's directory between runs; as root, also what the node's user wrote). */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A started node. {@link #close()} stops it: SIGTERM, then SIGKILL to what is left of the process tree. */
  public static final class Running implements AutoCloseable {
    private final ElasticsearchNode node;
    private final Process process;
    private final Thread shutdownHook;

    private Running(ElasticsearchNode node, Process process) {
      this.node = node;
      this.process = process;
      // a test JVM that exits without closing must not leave a node behind
      this.shutdownHook = new Thread(this::stop, "elasticsearch-node-stop");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public URI url() {
      return node.url();
    }

    public ElasticsearchNode node() {
      return node;
    }

    /** The pid of the node's launcher process. */
    public long pid() {
      return process.pid();
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /** Stops the node and waits for every process of its tree to exit. */
    @Override
    public void close() {
      stop();
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook is running or has run stop() itself
      }
    }

    private void stop() {
      // the children first, listed while the launcher lives (once it is gone they are re-parented out of reach)
      List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
      tree.add(process.toHandle());
      process.destroy(); // SIGTERM: the launcher asks the server to shut down cleanly and waits for it
      Instant deadline = Instant.now().plusSeconds(60);
      for (ProcessHandle p : tree) {
        try {
          p.onExit().get(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()),
              java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          // handled below: whatever still runs is killed
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      for (ProcessHandle p : tree) {
        if (p.isAlive()) {
          p.destroyForcibly();
        }
      }
      for (ProcessHandle p : tree) {
        p.onExit().join();
      }
    }
  }

  /** Options of a node; every one has a default fit for a laptop or CI. */
  public static final class Builder {
    private final Path directory;
    private Path home;
    private Path distribution;
    private String nodeName = "elasticsearch-0";
    private int httpPort;
    private int transportPort;
    private String heap = "512m";
    private final Map<String, String> settings = new LinkedHashMap<>();

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /** Where to unpack (or find) the distribution; default {@code <directory>/elasticsearch-<version>}. */
    public Builder home(Path home) {
      this.home = Objects.requireNonNull(home, "home");
      return this;
    }

    /** Another distribution zip than the one the build recorded. */
    public Builder distribution(Path zip) {
      this.distribution = Objects.requireNonNull(zip, "zip");
      return this;
    }

    public Builder nodeName(String nodeName) {
      this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
      return this;
    }

    /** The HTTP port; default a free one. */
    public Builder httpPort(int port) {
      this.httpPort = port;
      return this;
    }

    /** The transport (node-to-node) port; default a free one. */
    public Builder transportPort(int port) {
      this.transportPort = port;
      return this;
    }

    /** The JVM heap, {@code -Xms} and {@code -Xmx}, e.g. {@code 512m} (the default) or {@code 1g}. */
    public Builder heap(String heap) {
      if (!heap.matches("[0-9]+[kmgKMG]")) {
        throw new IllegalArgumentException("heap must look like 512m or 1g, not " + heap);
      }
      this.heap = heap;
      return this;
    }

    /** An elasticsearch.yml setting added to (or replacing) the defaults. */
    public Builder setting(String key, String value) {
      settings.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public ElasticsearchNode build() {
      return new ElasticsearchNode(this);
    }
  }
}
