package io.ragstream.ingest.extract;

import io.ragstream.ingest.extract.ExtractionException.Reason;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipe protocol between {@link ExtractorProcess} and {@link ExtractChild}: length-prefixed frames over the
 * child's stdin/stdout. Hand-written rather than Java serialization, so nothing the child sends can make the parent
 * instantiate arbitrary classes.
 */
final class ExtractWire {
  /** The child's first word on stdout: it loaded Tika and is ready for requests. */
  static final int READY = 0x52534558; // "RSEX"

  static final byte OK = 0;
  static final byte FAILED = 1;
  static final byte BROKEN = 2;

  private ExtractWire() {}

  /** One document to extract. */
  record Request(byte[] content, String contentTypeHint, String sourceName) {}

  static void writeRequest(DataOutputStream out, Request request) throws IOException {
    out.writeInt(request.content().length);
    out.write(request.content());
    writeString(out, request.contentTypeHint());
    writeString(out, request.sourceName());
    out.flush();
  }

  static Request readRequest(DataInputStream in) throws IOException {
    byte[] content = new byte[in.readInt()];
    in.readFully(content);
    return new Request(content, readString(in), readString(in));
  }

  static void writeExtraction(DataOutputStream out, Extraction extraction) throws IOException {
    out.writeByte(OK);
    writeString(out, extraction.title());
    writeString(out, extraction.language());
    writeString(out, extraction.contentType());
    out.writeInt(extraction.blocks().size());
    for (Block block : extraction.blocks()) {
      writeString(out, block.getKind().name());
      out.writeInt(block.getLevel());
      writeString(out, block.getText());
      writeString(out, block.getLanguage());
      out.writeInt(block.getRows().size());
      for (List<String> row : block.getRows()) {
        out.writeInt(row.size());
        for (String cell : row) {
          writeString(out, cell);
        }
      }
    }
    out.writeInt(extraction.metadata().size());
    for (Map.Entry<String, String> entry : extraction.metadata().entrySet()) {
      writeString(out, entry.getKey());
      writeString(out, entry.getValue());
    }
    writeString(out, extraction.contentHash());
    out.flush();
  }

  /** A failure that is the document's fault: the parent rethrows it as the same {@link ExtractionException}. */
  static void writeFailure(DataOutputStream out, ExtractionException failure) throws IOException {
    out.writeByte(FAILED);
    writeString(out, failure.reason().name());
    writeString(out, failure.getMessage());
    out.flush();
  }

  /** A failure of the extractor itself (in process it would fail the stage); the parent fails the batch likewise. */
  static void writeBroken(DataOutputStream out, Throwable error) throws IOException {
    out.writeByte(BROKEN);
    writeString(out, error.toString());
    out.flush();
  }

  /**
   * Reads one reply.
   *
   * @throws ExtractionException the document's failure, as the child classified it
   * @throws IllegalStateException the child's extractor broke on something that is not the document's fault
   */
  static Extraction readReply(DataInputStream in) throws IOException, ExtractionException {
    byte status = in.readByte();
    if (status == FAILED) {
      throw new ExtractionException(Reason.valueOf(readString(in)), readString(in));
    }
    if (status == BROKEN) {
      throw new IllegalStateException("the extract child process failed: " + readString(in));
    }
    if (status != OK) {
      throw new IOException("unexpected reply status " + status + " from the extract child process");
    }
    String title = readString(in);
    String language = readString(in);
    String contentType = readString(in);
    int blockCount = in.readInt();
    List<Block> blocks = new ArrayList<>(blockCount);
    for (int b = 0; b < blockCount; b++) {
      BlockKind kind = BlockKind.valueOf(readString(in));
      int level = in.readInt();
      String text = readString(in);
      String blockLanguage = readString(in);
      int rowCount = in.readInt();
      List<List<String>> rows = new ArrayList<>(rowCount);
      for (int r = 0; r < rowCount; r++) {
        int cells = in.readInt();
        List<String> row = new ArrayList<>(cells);
        for (int c = 0; c < cells; c++) {
          row.add(readString(in));
        }
        rows.add(row);
      }
      blocks.add(Block.newBuilder().setKind(kind).setLevel(level).setText(text).setRows(rows)
          .setLanguage(blockLanguage).build());
    }
    int metaCount = in.readInt();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (int m = 0; m < metaCount; m++) {
      metadata.put(readString(in), readString(in));
    }
    return new Extraction(title, language, contentType, blocks, metadata, readString(in));
  }

  private static void writeString(DataOutputStream out, String value) throws IOException {
    if (value == null) {
      out.writeInt(-1);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
