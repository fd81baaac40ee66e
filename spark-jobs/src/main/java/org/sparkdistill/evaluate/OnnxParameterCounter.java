package org.sparkdistill.evaluate;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Counts the parameters of an ONNX model: the number of elements of every tensor in the main
 * graph's {@code initializer} list, i.e. the product of each initializer's {@code dims} (1 for a
 * scalar), summed.
 *
 * <p>The file is read as protobuf wire format, streamed in one pass without a protobuf library and
 * without holding the file in memory: {@code ModelProto} field 7 ({@code graph}) leads to {@code
 * GraphProto} field 5 ({@code initializer}, repeated {@code TensorProto}), whose field 1 ({@code
 * dims}, repeated int64, packed or not) is all that is read; every other field, including the
 * tensors' {@code raw_data} payloads, is skipped by its length.
 *
 * <p>What is not counted: {@code GraphProto} field 15 ({@code sparse_initializer}); tensors held
 * in {@code Constant} nodes' attributes; initializers of subgraphs (the bodies of {@code If},
 * {@code Loop} and the like) and of {@code functions}. Exporters of transformer encoders put all
 * weights in the main graph's initializers, so this is the model size. Conversely every initializer
 * counts, trainable or not, so the few small constant tensors an exporter may store there (shape
 * vectors, an int64 {@code position_ids} buffer) are included; weights that a model ships but its
 * graph does not use (e.g. a BERT pooler when the export stops at the last hidden state) are
 * absent, because exporters do not write them.
 */
public final class OnnxParameterCounter {
  private static final int MODEL_IR_VERSION = 1;
  private static final int MODEL_GRAPH = 7;
  private static final int GRAPH_INITIALIZER = 5;
  private static final int TENSOR_DIMS = 1;

  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;

  private OnnxParameterCounter() {}

  /**
   * Parameters of the ONNX model in {@code onnxFile} (see the class comment for what counts).
   *
   * @throws IllegalArgumentException naming the file when it does not exist or is not an ONNX
   *     model (not valid protobuf wire format, or lacking {@code ir_version} or {@code graph})
   * @throws UncheckedIOException naming the file when it cannot be read
   */
  public static long count(Path onnxFile) {
    if (!Files.isRegularFile(onnxFile)) {
      throw new IllegalArgumentException("ONNX model file does not exist: " + onnxFile);
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(onnxFile), 1 << 16)) {
      return readModel(new WireReader(in), Files.size(onnxFile));
    } catch (MalformedModelException e) {
      throw new IllegalArgumentException(onnxFile + " is not an ONNX model: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ONNX model file " + onnxFile, e);
    }
  }

  private static long readModel(WireReader in, long end) throws IOException {
    boolean irVersion = false;
    boolean graph = false;
    long parameters = 0;
    for (int tag = in.readTag(end); tag != -1; tag = in.readTag(end)) {
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == MODEL_IR_VERSION) {
        in.expectWireType(field, wire, VARINT, "ModelProto.ir_version");
        in.readVarint();
        irVersion = true;
      } else if (field == MODEL_GRAPH) {
        in.expectWireType(field, wire, LENGTH_DELIMITED, "ModelProto.graph");
        parameters = Math.addExact(parameters, readGraph(in, in.readLengthEnd(end)));
        graph = true;
      } else {
        in.skipField(wire, end);
      }
    }
    if (!irVersion) {
      throw new MalformedModelException("no ir_version (ModelProto field 1)");
    }
    if (!graph) {
      throw new MalformedModelException("no graph (ModelProto field 7)");
    }
    return parameters;
  }

  private static long readGraph(WireReader in, long end) throws IOException {
    long parameters = 0;
    for (int tag = in.readTag(end); tag != -1; tag = in.readTag(end)) {
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == GRAPH_INITIALIZER) {
        in.expectWireType(field, wire, LENGTH_DELIMITED, "GraphProto.initializer");
        parameters = Math.addExact(parameters, readTensorElements(in, in.readLengthEnd(end)));
      } else {
        in.skipField(wire, end);
      }
    }
    return parameters;
  }

  private static long readTensorElements(WireReader in, long end) throws IOException {
    long elements = 1;
    for (int tag = in.readTag(end); tag != -1; tag = in.readTag(end)) {
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == TENSOR_DIMS && wire == VARINT) {
        elements = Math.multiplyExact(elements, dim(in));
      } else if (field == TENSOR_DIMS && wire == LENGTH_DELIMITED) {
        long packedEnd = in.readLengthEnd(end);
        while (in.position() < packedEnd) {
          elements = Math.multiplyExact(elements, dim(in));
        }
        if (in.position() != packedEnd) {
          throw new MalformedModelException("packed TensorProto.dims overruns its length at byte " + in.position());
        }
      } else if (field == TENSOR_DIMS) {
        in.expectWireType(field, wire, VARINT, "TensorProto.dims");
      } else {
        in.skipField(wire, end);
      }
    }
    return elements;
  }

  private static long dim(WireReader in) throws IOException {
    long start = in.position();
    long dim = in.readVarint();
    if (dim < 0) {
      throw new MalformedModelException("TensorProto.dims must be >= 0, got " + dim + " at byte " + start);
    }
    return dim;
  }

  /** The file is not the protobuf an ONNX model is; the message says where and why. */
  private static final class MalformedModelException extends IOException {
    MalformedModelException(String message) {
      super(message);
    }
  }

  /** Reads protobuf wire format from a stream, tracking the byte offset. */
  private static final class WireReader {
    private final InputStream in;
    private long position;

    WireReader(InputStream in) {
      this.in = in;
    }

    long position() {
      return position;
    }

    /** The next field's tag, or -1 at {@code end} (the enclosing message's or the file's end). */
    int readTag(long end) throws IOException {
      if (position == end) {
        return -1;
      }
      if (position > end) {
        throw new MalformedModelException("a field overruns its enclosing message at byte " + position);
      }
      long start = position;
      long tag = readVarint();
      if (tag >>> 3 == 0 || tag > 0xFFFFFFFFL) {
        throw new MalformedModelException("invalid field tag " + tag + " at byte " + start);
      }
      return (int) tag;
    }

    long readVarint() throws IOException {
      long start = position;
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = readByte();
        value |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new MalformedModelException("varint longer than 10 bytes at byte " + start);
    }

    /** Reads a length prefix and returns where the payload ends, checked against {@code end}. */
    long readLengthEnd(long end) throws IOException {
      long start = position;
      long length = readVarint();
      if (length < 0 || length > end - position) {
        throw new MalformedModelException(
            "length " + length + " at byte " + start + " runs past the end of its enclosing message (byte " + end + ")");
      }
      return position + length;
    }

    void expectWireType(int field, int wire, int expected, String name) throws MalformedModelException {
      if (wire != expected) {
        throw new MalformedModelException(
            name + " (field " + field + ") must have wire type " + expected + ", got " + wire + " before byte " + position);
      }
    }

    void skipField(int wire, long end) throws IOException {
      switch (wire) {
        case VARINT -> readVarint();
        case FIXED64 -> skip(8, end);
        case LENGTH_DELIMITED -> skip(readLengthEnd(end) - position, end);
        case FIXED32 -> skip(4, end);
        default -> throw new MalformedModelException(
            "wire type " + wire + " (groups or invalid) is not used by ONNX, before byte " + position);
      }
    }

    private void skip(long n, long end) throws IOException {
      if (n > end - position) {
        throw new MalformedModelException("a " + n + "-byte field at byte " + position + " runs past byte " + end);
      }
      long left = n;
      while (left > 0) {
        long skipped = in.skip(left);
        if (skipped <= 0) {
          readByte(); // makes progress or reports the end of the file
          skipped = 1;
        } else {
          position += skipped;
        }
        left -= skipped;
      }
    }

    private int readByte() throws IOException {
      int b = in.read();
      if (b < 0) {
        throw new MalformedModelException("the file ends at byte " + position + " inside a field");
      }
      position++;
      return b;
    }
  }
}
