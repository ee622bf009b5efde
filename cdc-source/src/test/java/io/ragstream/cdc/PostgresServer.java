package io.ragstream.cdc;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL 15 cluster for integration tests ({@code wal_level=logical}, trust authentication, on
 * 127.0.0.1 and an ephemeral port, run as the {@code postgres} user), removed on {@link #close}. Shared with other
 * modules through cdc-source's test-jar. {@link #start} skips the calling test, saying why, where the server
 * binaries or the {@code postgres} user are missing (CI installs the Debian package {@code postgresql-15}).
 */
public final class PostgresServer implements AutoCloseable {
  public static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

  private final Path dir;
  private final int port;

  private PostgresServer(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Starts a fresh cluster; skips (JUnit assumption) where PostgreSQL 15 cannot run here. */
  public static PostgresServer start() throws Exception {
    assumeTrue(Files.isExecutable(BIN.resolve("initdb")) && Files.isExecutable(BIN.resolve("pg_ctl")),
        "PostgreSQL 15 server binaries are not in " + BIN + " (Debian: apt-get install postgresql-15)");
    assumeTrue(exec(List.of("id", "-u", "postgres")) == 0, "no 'postgres' user to run the server as");
    // under /tmp, not the build's tmpdir: the server runs as 'postgres', which cannot reach a checkout under a
    // private home directory (a CI clone under /root)
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "ragstream-pg-");
    exec(List.of("chown", "-R", "postgres", dir.toString()));
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    PostgresServer server = new PostgresServer(dir, port);
    try {
      asPostgres(BIN.resolve("initdb") + " -D " + dir.resolve("data") + " -A trust -U postgres");
      asPostgres(BIN.resolve("pg_ctl") + " -D " + dir.resolve("data") + " -l " + dir.resolve("log")
          + " -w -o '-p " + port + " -c wal_level=logical -c listen_addresses=127.0.0.1 -k " + dir + "' start");
    } catch (Exception e) {
      server.close();
      throw e;
    }
    return server;
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return port;
  }

  /** Runs one statement in database {@code postgres} as user {@code postgres}; fails on any SQL error. */
  public void psql(String sql) throws Exception {
    int code = exec(List.of("runuser", "-u", "postgres", "--", BIN.resolve("psql").toString(), "-h",
        dir.toString(), "-p", Integer.toString(port), "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql));
    if (code != 0) {
      throw new IOException("psql failed (" + code + "): " + sql);
    }
  }

  /** Stops the server at once and removes its files. */
  @Override
  public void close() throws Exception {
    try {
      if (Files.exists(dir.resolve("data/postmaster.pid"))) {
        asPostgres(BIN.resolve("pg_ctl") + " -D " + dir.resolve("data") + " -m immediate -w stop");
      }
    } finally {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void asPostgres(String command) throws Exception {
    int code = exec(List.of("runuser", "-u", "postgres", "--", "bash", "-c", command));
    if (code != 0) {
      throw new IOException("failed (" + code + "): " + command);
    }
  }

  private static int exec(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
    return process.waitFor();
  }
}
