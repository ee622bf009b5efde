package io.ragstream.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Every published version of each record schema, oldest first, read from
 * {@code io/ragstream/schemas/history/<Name>/v<N>.avsc}.
 *
 * <p>Single-object encoding puts only the writer schema's fingerprint on the wire, so a reader must know every
 * writer schema that was ever used. When a schema changes, its new version is added here as the next file
 * ({@code SchemaHistoryTest} fails until it is), and readers keep decoding records written with the older ones.
 */
public final class SchemaHistory {
  private static final String ROOT = "/io/ragstream/schemas/history/";

  private SchemaHistory() {}

  /** All versions of the named record schema, oldest first; the last one equals the current schema. */
  public static List<Schema> versions(String recordName) {
    List<Schema> versions = new ArrayList<>();
    for (int v = 1; ; v++) {
      String path = ROOT + recordName + "/v" + v + ".avsc";
      try (InputStream in = SchemaHistory.class.getResourceAsStream(path)) {
        if (in == null) {
          break;
        }
        // A fresh parser per file: each history file is self-contained (nested records inlined).
        versions.add(new Schema.Parser().parse(in));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read schema history " + path, e);
      }
    }
    return versions;
  }
}
