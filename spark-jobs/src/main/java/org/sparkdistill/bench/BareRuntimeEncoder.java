package org.sparkdistill.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.sparkdistill.udfs.text.TokenizedBatch;

/**
 * The benchmark's independent baseline: the same ONNX file run through ONNX Runtime's own Java API
 * ({@link OrtSession}; no DJL, no Spark, no project code but the token ids it is fed), with mean
 * pooling and L2 normalisation written out here in plain Java. What the project costs over the
 * runtime itself is the ratio of its throughput to this one's on the same batches.
 *
 * <p>One session is shared by the calling threads (ONNX Runtime sessions are thread-safe), each
 * call using {@code intraOpThreads} runtime threads, sequential execution, all graph optimisations.
 */
public final class BareRuntimeEncoder implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final Set<String> inputs;
  private final boolean normalize;

  /**
   * Opens a session on the process's {@link OrtEnvironment}. When DJL's ONNX Runtime engine runs
   * in the same JVM, start it first ({@code Engine.getEngine("OnnxRuntime")}): it creates the
   * environment with its own threading options and refuses one that exists.
   */
  public BareRuntimeEncoder(String modelFile, int intraOpThreads, boolean normalize) {
    this.env = OrtEnvironment.getEnvironment();
    this.normalize = normalize;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      this.session = env.createSession(modelFile, options);
      this.inputs = session.getInputNames();
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime cannot load " + modelFile + ": " + e.getMessage(), e);
    }
  }

  /** Mean-pooled (masked) sentence vectors of {@code tokens}, L2-normalised when configured. */
  public float[][] encode(TokenizedBatch tokens) {
    int batch = tokens.size();
    int length = tokens.length();
    long[] shape = {batch, length};
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      feed.put("input_ids", OnnxTensor.createTensor(env, flat(tokens.inputIds(), length), shape));
      feed.put("attention_mask", OnnxTensor.createTensor(env, flat(tokens.attentionMask(), length), shape));
      if (inputs.contains("token_type_ids")) {
        feed.put("token_type_ids", OnnxTensor.createTensor(env, flat(tokens.typeIds(), length), shape));
      }
      try (OrtSession.Result result = session.run(feed)) {
        OnnxTensor out = (OnnxTensor) result.get(0);
        long[] outShape = out.getInfo().getShape();
        int dim = (int) outShape[2];
        FloatBuffer hidden = out.getFloatBuffer();
        return pool(hidden, tokens.attentionMask(), batch, length, dim);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on a batch of " + batch + ": " + e.getMessage(), e);
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  private float[][] pool(FloatBuffer hidden, long[][] mask, int batch, int length, int dim) {
    float[][] out = new float[batch][dim];
    for (int b = 0; b < batch; b++) {
      double[] sum = new double[dim];
      int count = 0;
      for (int t = 0; t < length; t++) {
        if (mask[b][t] == 0) {
          continue;
        }
        count++;
        int offset = (b * length + t) * dim;
        for (int d = 0; d < dim; d++) {
          sum[d] += hidden.get(offset + d);
        }
      }
      double norm = 0;
      for (int d = 0; d < dim; d++) {
        sum[d] /= Math.max(count, 1);
        norm += sum[d] * sum[d];
      }
      norm = normalize ? Math.max(Math.sqrt(norm), 1e-12) : 1.0;
      for (int d = 0; d < dim; d++) {
        out[b][d] = (float) (sum[d] / norm);
      }
    }
    return out;
  }

  private static LongBuffer flat(long[][] rows, int length) {
    LongBuffer buffer = LongBuffer.allocate(rows.length * length);
    for (long[] row : rows) {
      buffer.put(row, 0, length);
    }
    return buffer.flip();
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close an ONNX Runtime session: " + e.getMessage(), e);
    }
  }
}
