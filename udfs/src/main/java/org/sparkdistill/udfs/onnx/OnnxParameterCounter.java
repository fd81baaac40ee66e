package org.sparkdistill.udfs.onnx;

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
 * without holding the file in memory ({@link OnnxWire}; {@link OnnxInitializers} reads the payloads too): {@code ModelProto} field 7 ({@code graph}) leads to {@code
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
      return readModel(new OnnxWire.Reader(in), Files.size(onnxFile));
    } catch (OnnxWire.MalformedModelException e) {
      throw new IllegalArgumentException(onnxFile + " is not an ONNX model: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ONNX model file " + onnxFile, e);
    }
  }

  private static long readModel(OnnxWire.Reader in, long end) throws IOException {
    boolean irVersion = false;
    boolean graph = false;
    long parameters = 0;
    for (int tag = in.readTag(end); tag != -1; tag = in.readTag(end)) {
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == MODEL_IR_VERSION) {
        in.expectWireType(field, wire, OnnxWire.VARINT, "ModelProto.ir_version");
        in.readVarint();
        irVersion = true;
      } else if (field == MODEL_GRAPH) {
        in.expectWireType(field, wire, OnnxWire.LENGTH_DELIMITED, "ModelProto.graph");
        parameters = Math.addExact(parameters, readGraph(in, in.readLengthEnd(end)));
        graph = true;
      } else {
        in.skipField(wire, end);
      }
    }
    if (!irVersion) {
      throw new OnnxWire.MalformedModelException("no ir_version (ModelProto field 1)");
    }
    if (!graph) {
      throw new OnnxWire.MalformedModelException("no graph (ModelProto field 7)");
    }
    return parameters;
  }

  private static long readGraph(OnnxWire.Reader in, long end) throws IOException {
    long parameters = 0;
    for (int tag = in.readTag(end); tag != -1; tag = in.readTag(end)) {
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == GRAPH_INITIALIZER) {
        in.expectWireType(field, wire, OnnxWire.LENGTH_DELIMITED, "GraphProto.initializer");
        parameters = Math.addExact(parameters, readTensorElements(in, in.readLengthEnd(end)));
      } else {
        in.skipField(wire, end);
      }
    }
    return parameters;
  }

  private static long readTensorElements(OnnxWire.Reader in, long end) throws IOException {
    long elements = 1;
    for (int tag = in.readTag(end); tag != -1; tag = in.readTag(end)) {
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == TENSOR_DIMS && wire == OnnxWire.VARINT) {
        elements = Math.multiplyExact(elements, dim(in));
      } else if (field == TENSOR_DIMS && wire == OnnxWire.LENGTH_DELIMITED) {
        long packedEnd = in.readLengthEnd(end);
        while (in.position() < packedEnd) {
          elements = Math.multiplyExact(elements, dim(in));
        }
        if (in.position() != packedEnd) {
          throw new OnnxWire.MalformedModelException("packed TensorProto.dims overruns its length at byte " + in.position());
        }
      } else if (field == TENSOR_DIMS) {
        in.expectWireType(field, wire, OnnxWire.VARINT, "TensorProto.dims");
      } else {
        in.skipField(wire, end);
      }
    }
    return elements;
  }

  private static long dim(OnnxWire.Reader in) throws IOException {
    long start = in.position();
    long dim = in.readVarint();
    if (dim < 0) {
      throw new OnnxWire.MalformedModelException("TensorProto.dims must be >= 0, got " + dim + " at byte " + start);
    }
    return dim;
  }
}
