package io.ragstream.chunker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the chunker remembers per document: the content hash of the version it chunked, the hash of what its chunks
 * carry besides their text ({@code DocumentFingerprints.metadataHash}; null in state written before it existed), and
 * that version's chunk ids. Stored as text lines (hash, then {@value #METADATA_LINE} and the metadata hash, then one
 * id per line): ids and hex hashes never contain a newline, and no chunk id starts with {@code #}.
 */
record DocumentChunkState(String contentHash, String metadataHash, List<String> chunkIds) {
  private static final String METADATA_LINE = "#metadata ";

  DocumentChunkState {
    chunkIds = List.copyOf(chunkIds);
  }

  static Serde<DocumentChunkState> serde() {
    Serializer<DocumentChunkState> serializer = (topic, state) -> state == null ? null
        : (state.contentHash + (state.metadataHash == null ? "" : "\n" + METADATA_LINE + state.metadataHash)
            + "\n" + String.join("\n", state.chunkIds)).getBytes(StandardCharsets.UTF_8);
    Deserializer<DocumentChunkState> deserializer = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
      List<String> ids = new ArrayList<>();
      String metadataHash = null;
      for (int i = 1; i < lines.length; i++) {
        if (lines[i].startsWith(METADATA_LINE)) {
          metadataHash = lines[i].substring(METADATA_LINE.length());
        } else if (!lines[i].isEmpty()) {
          ids.add(lines[i]);
        }
      }
      return new DocumentChunkState(lines[0], metadataHash, ids);
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
