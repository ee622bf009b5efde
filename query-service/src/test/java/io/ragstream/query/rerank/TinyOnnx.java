package io.ragstream.query.rerank;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a tiny ONNX "cross-encoder" byte by byte, since no cross-encoder weights can be obtained here and ONNX
 * Runtime's jar ships no ONNX protobuf classes. The graph has the input and output contract of a HuggingFace
 * sequence classifier ({@code input_ids}, {@code attention_mask} → {@code logits [batch, 1]}) and computes
 * {@code logits = ReduceSum(Cast(input_ids) * Cast(attention_mask), axis 1)}: the sum of the pair's token ids, a
 * score a test can predict from the tokenizer alone.
 *
 * <p>Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, ...), encoded as protobuf wire format.
 */
final class TinyOnnx {
  private static final int FLOAT = 1;
  private static final int INT64 = 7;
  private static final int ATTRIBUTE_INT = 2;

  private TinyOnnx() {}

  static byte[] tokenIdSumClassifier() {
    Proto graph = new Proto()
        .message(1, node("Cast", new String[] {"input_ids"}, "ids_f", intAttribute("to", FLOAT)))
        .message(1, node("Cast", new String[] {"attention_mask"}, "mask_f", intAttribute("to", FLOAT)))
        .message(1, node("Mul", new String[] {"ids_f", "mask_f"}, "masked", null))
        .message(1, node("ReduceSum", new String[] {"masked", "axes"}, "logits", intAttribute("keepdims", 1)))
        .string(2, "token-id-sum")
        .message(5, new Proto().varint(1, 1).varint(2, INT64).varint(7, 1).string(8, "axes"))
        .message(11, valueInfo("input_ids", INT64, "batch", "tokens"))
        .message(11, valueInfo("attention_mask", INT64, "batch", "tokens"))
        .message(12, valueInfo("logits", FLOAT, "batch", null));
    return new Proto()
        .varint(1, 8) // ir_version 8
        .string(2, "ragstream-test")
        .message(7, graph)
        .message(8, new Proto().varint(2, 13)) // opset 13: ReduceSum takes axes as an input
        .bytes();
  }

  private static Proto node(String op, String[] inputs, String output, Proto attribute) {
    Proto node = new Proto();
    for (String input : inputs) {
      node.string(1, input);
    }
    node.string(2, output).string(3, op + "_" + output).string(4, op);
    return attribute == null ? node : node.message(5, attribute);
  }

  private static Proto intAttribute(String name, long value) {
    return new Proto().string(1, name).varint(3, value).varint(20, ATTRIBUTE_INT);
  }

  /** A tensor value of rank 2; a null second dimension name means a fixed size of 1. */
  private static Proto valueInfo(String name, int type, String dim0, String dim1) {
    Proto shape = new Proto().message(1, new Proto().string(2, dim0))
        .message(1, dim1 == null ? new Proto().varint(1, 1) : new Proto().string(2, dim1));
    Proto tensor = new Proto().varint(1, type).message(2, shape);
    return new Proto().string(1, name).message(2, new Proto().message(1, tensor));
  }

  /** Protobuf wire format, the three field kinds needed. */
  private static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Proto varint(int field, long value) {
      tag(field, 0);
      raw(value);
      return this;
    }

    Proto string(int field, String value) {
      return lengthDelimited(field, value.getBytes(StandardCharsets.UTF_8));
    }

    Proto message(int field, Proto value) {
      return lengthDelimited(field, value.bytes());
    }

    byte[] bytes() {
      return out.toByteArray();
    }

    private Proto lengthDelimited(int field, byte[] value) {
      tag(field, 2);
      raw(value.length);
      out.writeBytes(value);
      return this;
    }

    private void tag(int field, int wireType) {
      raw(((long) field << 3) | wireType);
    }

    private void raw(long value) {
      while ((value & ~0x7FL) != 0) {
        out.write((int) ((value & 0x7F) | 0x80));
        value >>>= 7;
      }
      out.write((int) value);
    }
  }
}
