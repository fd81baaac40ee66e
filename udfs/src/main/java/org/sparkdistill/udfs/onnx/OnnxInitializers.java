package org.sparkdistill.udfs.onnx;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of an ONNX model: every initializer of the main graph with its name, dims, data type
 * and, for float32 tensors, its values (from {@code raw_data}, little-endian, or from {@code
 * float_data}); and, for every {@code MatMul} node, which input it multiplies by (exporters name
 * MatMul weights {@code onnx::MatMul_787} and the node after its place in the model, {@code
 * /encoder/layer.0/attention/self/query/MatMul}).
 *
 * <p>Read in one streaming pass of the protobuf wire format ({@link OnnxWire}), without a protobuf
 * library: {@code ModelProto.graph} (7) → {@code GraphProto.node} (1: {@code input} 1, {@code name}
 * 3, {@code op_type} 4) and {@code GraphProto.initializer} (5: {@code dims} 1, {@code data_type} 2,
 * {@code float_data} 4, {@code name} 8, {@code raw_data} 9, {@code data_location} 14). Memory: the
 * float values of every initializer (4 bytes per parameter: 90 MB for all-MiniLM-L6-v2); tensors of
 * other types keep their dims and type only. Weights stored outside the file ({@code data_location =
 * EXTERNAL}) are an error naming the tensor.
 *
 * @param initializers by name, in file order
 * @param matMulWeights MatMul node name → the name of its second input
 */
public record OnnxInitializers(Map<String, Tensor> initializers, Map<String, String> matMulWeights) {
  /** ONNX {@code TensorProto.DataType.FLOAT}. */
  public static final int FLOAT = 1;

  private static final int MODEL_GRAPH = 7;
  private static final int GRAPH_NODE = 1;
  private static final int GRAPH_INITIALIZER = 5;
  private static final int NODE_INPUT = 1;
  private static final int NODE_NAME = 3;
  private static final int NODE_OP_TYPE = 4;
  private static final int TENSOR_DIMS = 1;
  private static final int TENSOR_DATA_TYPE = 2;
  private static final int TENSOR_FLOAT_DATA = 4;
  private static final int TENSOR_NAME = 8;
  private static final int TENSOR_RAW_DATA = 9;
  private static final int TENSOR_DATA_LOCATION = 14;

  /**
   * One initializer.
   *
   * @param name its name in the graph
   * @param dims its shape (empty for a scalar)
   * @param dataType ONNX data type code ({@link #FLOAT} = float32)
   * @param values the float32 values in row-major order, or null when the tensor is not float32
   */
  public record Tensor(String name, long[] dims, int dataType, float[] values) {
    /** Product of the dims. */
    public long elements() {
      long n = 1;
      for (long d : dims) {
        n = Math.multiplyExact(n, d);
      }
      return n;
    }

    @Override
    public String toString() {
      return name + Arrays.toString(dims);
    }
  }

  /**
   * Reads {@code onnxFile}.
   *
   * @throws IllegalArgumentException naming the file when it is missing or not an ONNX model, or
   *     naming the tensor whose data is inconsistent with its dims or stored externally
   */
  public static OnnxInitializers read(Path onnxFile) {
    return read(onnxFile, true);
  }

  /**
   * The layout of {@code onnxFile}: every initializer's name, dims and data type (its {@link
   * Tensor#values()} null) and the MatMul nodes' weight inputs, in one streamed pass that skips the
   * tensors' payloads by their length, so it costs the file's read and no copy of its weights.
   *
   * @throws IllegalArgumentException as {@link #read}
   */
  public static OnnxInitializers readLayout(Path onnxFile) {
    return read(onnxFile, false);
  }

  private static OnnxInitializers read(Path onnxFile, boolean payloads) {
    if (!Files.isRegularFile(onnxFile)) {
      throw new IllegalArgumentException("ONNX model file does not exist: " + onnxFile);
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(onnxFile), 1 << 16)) {
      OnnxWire.Reader reader = new OnnxWire.Reader(in);
      long end = Files.size(onnxFile);
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      Map<String, String> matMuls = new LinkedHashMap<>();
      boolean graph = false;
      for (int tag = reader.readTag(end); tag != -1; tag = reader.readTag(end)) {
        if (tag >>> 3 == MODEL_GRAPH) {
          reader.expectWireType(MODEL_GRAPH, tag & 7, OnnxWire.LENGTH_DELIMITED, "ModelProto.graph");
          readGraph(reader, reader.readLengthEnd(end), tensors, matMuls, payloads);
          graph = true;
        } else {
          reader.skipField(tag & 7, end);
        }
      }
      if (!graph) {
        throw new OnnxWire.MalformedModelException("no graph (ModelProto field 7)");
      }
      return new OnnxInitializers(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(matMuls));
    } catch (OnnxWire.MalformedModelException e) {
      throw new IllegalArgumentException(onnxFile + " is not an ONNX model: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ONNX model file " + onnxFile, e);
    }
  }

  private static void readGraph(OnnxWire.Reader in, long end, Map<String, Tensor> tensors, Map<String, String> matMuls, boolean payloads)
      throws IOException {
    for (int tag = in.readTag(end); tag != -1; tag = in.readTag(end)) {
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == GRAPH_INITIALIZER) {
        in.expectWireType(field, wire, OnnxWire.LENGTH_DELIMITED, "GraphProto.initializer");
        Tensor t = readTensor(in, in.readLengthEnd(end), payloads);
        tensors.put(t.name(), t);
      } else if (field == GRAPH_NODE) {
        in.expectWireType(field, wire, OnnxWire.LENGTH_DELIMITED, "GraphProto.node");
        readNode(in, in.readLengthEnd(end), matMuls);
      } else {
        in.skipField(wire, end);
      }
    }
  }

  private static void readNode(OnnxWire.Reader in, long end, Map<String, String> matMuls) throws IOException {
    List<String> inputs = new ArrayList<>(2);
    String name = "";
    String op = "";
    for (int tag = in.readTag(end); tag != -1; tag = in.readTag(end)) {
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == NODE_INPUT || field == NODE_NAME || field == NODE_OP_TYPE) {
        in.expectWireType(field, wire, OnnxWire.LENGTH_DELIMITED, "NodeProto string");
        String value = string(in, end);
        if (field == NODE_INPUT) {
          inputs.add(value);
        } else if (field == NODE_NAME) {
          name = value;
        } else {
          op = value;
        }
      } else {
        in.skipField(wire, end);
      }
    }
    if (op.equals("MatMul") && inputs.size() == 2 && !name.isEmpty()) {
      matMuls.put(name, inputs.get(1));
    }
  }

  private static String string(OnnxWire.Reader in, long end) throws IOException {
    long payloadEnd = in.readLengthEnd(end);
    return new String(in.readBytes(payloadEnd - in.position()), StandardCharsets.UTF_8);
  }

  private static Tensor readTensor(OnnxWire.Reader in, long end, boolean payloads) throws IOException {
    List<Long> dims = new ArrayList<>(4);
    int dataType = 0;
    String name = "";
    byte[] raw = null;
    float[] floatData = null;
    int floatCount = 0;
    boolean external = false;
    for (int tag = in.readTag(end); tag != -1; tag = in.readTag(end)) {
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == TENSOR_DIMS && wire == OnnxWire.VARINT) {
        dims.add(in.readVarint());
      } else if (field == TENSOR_DIMS && wire == OnnxWire.LENGTH_DELIMITED) {
        long packedEnd = in.readLengthEnd(end);
        while (in.position() < packedEnd) {
          dims.add(in.readVarint());
        }
      } else if (field == TENSOR_DATA_TYPE && wire == OnnxWire.VARINT) {
        dataType = (int) in.readVarint();
      } else if (field == TENSOR_NAME && wire == OnnxWire.LENGTH_DELIMITED) {
        name = string(in, end);
      } else if (!payloads && (field == TENSOR_RAW_DATA || field == TENSOR_FLOAT_DATA)) {
        in.skipField(wire, end);
      } else if (field == TENSOR_RAW_DATA && wire == OnnxWire.LENGTH_DELIMITED) {
        long payloadEnd = in.readLengthEnd(end);
        raw = in.readBytes(payloadEnd - in.position());
      } else if (field == TENSOR_FLOAT_DATA && wire == OnnxWire.LENGTH_DELIMITED) {
        long payloadEnd = in.readLengthEnd(end);
        long n = (payloadEnd - in.position()) / 4;
        floatData = floatData == null ? new float[(int) n] : Arrays.copyOf(floatData, (int) (floatCount + n));
        while (in.position() + 4 <= payloadEnd) {
          floatData[floatCount++] = Float.intBitsToFloat(in.readFixed32());
        }
      } else if (field == TENSOR_FLOAT_DATA && wire == OnnxWire.FIXED32) {
        floatData = floatData == null ? new float[16] : floatData;
        if (floatCount == floatData.length) {
          floatData = Arrays.copyOf(floatData, floatCount * 2);
        }
        floatData[floatCount++] = Float.intBitsToFloat(in.readFixed32());
      } else if (field == TENSOR_DATA_LOCATION && wire == OnnxWire.VARINT) {
        external = in.readVarint() == 1;
      } else {
        in.skipField(wire, end);
      }
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    for (long d : shape) {
      if (d < 0) {
        throw new OnnxWire.MalformedModelException("initializer " + name + " has a negative dim " + d);
      }
    }
    if (external) {
      throw new OnnxWire.MalformedModelException(
          "initializer " + name + " stores its data outside the file (data_location EXTERNAL): save the model with its weights inside");
    }
    Tensor tensor = new Tensor(name, shape, dataType, null);
    if (dataType != FLOAT || !payloads) {
      return tensor;
    }
    long elements = tensor.elements();
    float[] values;
    if (raw != null) {
      if (raw.length != elements * 4) {
        throw new OnnxWire.MalformedModelException(
            "float32 initializer " + name + Arrays.toString(shape) + " holds " + raw.length + " bytes of raw_data, expected " + elements * 4);
      }
      values = new float[(int) elements];
      ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    } else {
      values = floatData == null ? new float[0] : Arrays.copyOf(floatData, floatCount);
      if (values.length != elements) {
        throw new OnnxWire.MalformedModelException(
            "float32 initializer " + name + Arrays.toString(shape) + " holds " + values.length + " float_data values, expected " + elements);
      }
    }
    return new Tensor(name, shape, dataType, values);
  }
}
