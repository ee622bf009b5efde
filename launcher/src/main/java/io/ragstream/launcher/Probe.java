package io.ragstream.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * The container health check: {@code java -cp /app/classes io.ragstream.launcher.Probe URL} exits 0 when {@code GET
 * URL} answers 200 and 1 otherwise (another status, refused, timed out), saying why on stderr, which {@code docker
 * inspect} shows as the check's output.
 *
 * <p>Why a class of its own: the image (Jib on {@code eclipse-temurin}) promises no curl or wget, only {@code java},
 * and the check runs every few seconds, so it must start fast: JDK classes only ({@link HttpURLConnection}, no
 * selector threads), no picocli, no logging, no ragstream class, which is why {@code /app/classes} alone is its class
 * path. Kubernetes needs none of this: its {@code httpGet} probes call {@code /ready} themselves.
 */
public final class Probe {
  /** What a check may take at most, connecting and reading; compose's own timeout is longer. */
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  private Probe() {}

  public static void main(String[] args) {
    System.exit(run(args, System.err));
  }

  /** The exit code for {@code args}: 0 on HTTP 200, 1 on any other answer or none, 2 on a bad argument. */
  static int run(String[] args, PrintStream err) {
    if (args.length != 1) {
      err.println("usage: java -cp /app/classes " + Probe.class.getName() + " http://127.0.0.1:PORT/ready");
      return 2;
    }
    URI uri;
    try {
      uri = new URI(args[0]);
    } catch (URISyntaxException e) {
      err.println("probe: not a URL: " + args[0]);
      return 2;
    }
    if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
      err.println("probe: an http://HOST:PORT/PATH URL is required, got " + args[0]);
      return 2;
    }
    HttpURLConnection connection = null;
    try {
      connection = (HttpURLConnection) uri.toURL().openConnection();
      connection.setConnectTimeout((int) TIMEOUT.toMillis());
      connection.setReadTimeout((int) TIMEOUT.toMillis());
      connection.setInstanceFollowRedirects(false);
      int status = connection.getResponseCode();
      InputStream body = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
      String text = body == null ? "" : new String(body.readNBytes(512), java.nio.charset.StandardCharsets.UTF_8);
      if (status == 200) {
        return 0;
      }
      err.println("probe: " + uri + " answered " + status + " " + text.strip());
      return 1;
    } catch (IOException e) {
      err.println("probe: " + uri + " did not answer: " + e);
      return 1;
    } finally {
      if (connection != null) {
        connection.disconnect();
      }
    }
  }
}
