package io.ragstream.ingest.extract;

import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An extract child that misbehaves on command, standing in for a parser bug: a document starting with {@code HANG}
 * blocks forever, one starting with {@code OOM} allocates until the JVM runs out of memory; anything else is
 * extracted by a real {@link TikaExtractor}. It speaks the real protocol through {@link ExtractChild#serve}.
 */
public final class HostileExtractChild {
  private HostileExtractChild() {}

  public static void main(String[] args) throws Exception {
    DataOutputStream out = ExtractChild.claimStdout();
    try (TikaExtractor real = new TikaExtractor()) {
      ExtractChild.serve(out, (content, hint, name) -> {
        String head = new String(content, 0, Math.min(content.length, 4), StandardCharsets.US_ASCII);
        if (head.startsWith("HANG")) {
          Thread.sleep(Long.MAX_VALUE);
        }
        if (head.startsWith("OOM")) {
          List<long[]> hog = new ArrayList<>();
          while (true) {
            hog.add(new long[1 << 20]);
          }
        }
        return real.extract(content, hint, name);
      }, () -> { });
    }
  }
}
