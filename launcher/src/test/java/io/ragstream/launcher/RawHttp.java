package io.ragstream.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A deliberately dumb HTTP/1.1 client for fuzzing: it sends exactly the bytes it is given (invalid UTF-8 in the
 * request line, wrong lengths), which {@link java.net.http.HttpClient} refuses to do.
 */
final class RawHttp {
  /** A response; {@code status} is -1 when the server closed the connection without answering. */
  record Response(int status, String headers, String body) {
    boolean isJson() {
      return headers.toLowerCase(Locale.ROOT).contains("content-type: application/json");
    }
  }

  private RawHttp() {}

  static Response send(int port, String method, byte[] target, String contentType, byte[] body) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(60_000);
      OutputStream out = socket.getOutputStream();
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.write((method + " ").getBytes(StandardCharsets.US_ASCII));
      request.write(target);
      request.write((" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n").getBytes(StandardCharsets.US_ASCII));
      if (body != null) {
        request.write(("Content-Type: " + contentType + "\r\nContent-Length: " + body.length + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
      }
      request.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      if (body != null) {
        request.write(body);
      }
      try {
        out.write(request.toByteArray());
        out.flush();
      } catch (SocketException e) {
        // the server may answer (413) and close before it read an oversized body: read what it said
      }
      return parse(readAll(socket.getInputStream()));
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) != -1; ) {
        bytes.write(buffer, 0, n);
      }
    } catch (SocketException reset) {
      // a reset after the response was sent still leaves the response readable
    }
    return bytes.toByteArray();
  }

  private static Response parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.1 ") || end < 0) {
      return new Response(-1, "", text);
    }
    int status = Integer.parseInt(text.substring(9, 12));
    String headers = text.substring(0, end);
    String body = text.substring(end + 4);
    if (headers.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
      body = dechunk(body);
    }
    return new Response(status, headers, body);
  }

  private static String dechunk(String chunked) {
    StringBuilder body = new StringBuilder();
    int pos = 0;
    while (pos < chunked.length()) {
      int lineEnd = chunked.indexOf("\r\n", pos);
      if (lineEnd < 0) {
        break;
      }
      int size = Integer.parseInt(chunked.substring(pos, lineEnd).trim(), 16);
      if (size == 0) {
        break;
      }
      // sizes count bytes; the fuzz bodies are JSON, whose non-ASCII is rare enough to ignore the difference
      int start = lineEnd + 2;
      int stop = Math.min(chunked.length(), start + size);
      body.append(chunked, start, stop);
      pos = stop + 2;
    }
    return body.toString();
  }
}
