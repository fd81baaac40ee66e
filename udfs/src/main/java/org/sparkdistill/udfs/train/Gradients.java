package org.sparkdistill.udfs.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gradients of a student's trainable parameters, by parameter name in block order, as plain
 * float arrays: what a training step returns and an optimizer applies. Serialisable, so an
 * executor's step can send them to the driver and the driver can combine them ({@link #add})
 * before one {@link ResumableAdam#apply}. Memory: 4 bytes per parameter.
 */
public final class Gradients implements Serializable {
  private static final long serialVersionUID = 1L;

  private final LinkedHashMap<String, float[]> values;
  private final long rows;

  public Gradients(LinkedHashMap<String, float[]> values, long rows) {
    this.values = values;
    this.rows = rows;
  }

  /**
   * Copies the accumulated gradients off {@code block}'s trainable parameters and zeroes them.
   *
   * @param rows how many rows produced them (the weight when results are combined)
   */
  public static Gradients take(Block block, long rows) {
    LinkedHashMap<String, float[]> out = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      NDArray w = p.getValue().getArray();
      if (!p.getValue().requiresGradient() || w == null || !w.hasGradient()) {
        continue;
      }
      out.put(p.getKey(), w.getGradient().toFloatArray());
      JniUtils.zeroGrad((PtNDArray) w);
    }
    return new Gradients(out, rows);
  }

  /** Gradient values by parameter name, in block order. */
  public Map<String, float[]> values() {
    return values;
  }

  /**
   * The first non-finite value, as {@code "of <parameter> (<value> at index <i>)"}, or null when
   * every value is finite. Cost: one pass over the values.
   */
  public String firstNonFinite() {
    for (Map.Entry<String, float[]> e : values.entrySet()) {
      float[] v = e.getValue();
      for (int i = 0; i < v.length; i++) {
        if (!Float.isFinite(v[i])) {
          return "of " + e.getKey() + " (" + v[i] + " at index " + i + ")";
        }
      }
    }
    return null;
  }

  public long rows() {
    return rows;
  }

  /** {@code this + weight · other}, element-wise, as a new instance; rows add up. */
  public Gradients plus(Gradients other, float weight) {
    if (!values.keySet().equals(other.values.keySet())) {
      throw new IllegalArgumentException("gradients of different parameter sets: " + values.keySet() + " vs " + other.values.keySet());
    }
    LinkedHashMap<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : values.entrySet()) {
      float[] a = e.getValue();
      float[] b = other.values.get(e.getKey());
      if (a.length != b.length) {
        throw new IllegalArgumentException("gradient " + e.getKey() + " has " + a.length + " vs " + b.length + " values");
      }
      float[] sum = Arrays.copyOf(a, a.length);
      for (int i = 0; i < sum.length; i++) {
        sum[i] += weight * b[i];
      }
      out.put(e.getKey(), sum);
    }
    return new Gradients(out, rows + other.rows);
  }

  /** Every value multiplied by {@code factor}, as a new instance. */
  public Gradients times(float factor) {
    LinkedHashMap<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : values.entrySet()) {
      float[] v = Arrays.copyOf(e.getValue(), e.getValue().length);
      for (int i = 0; i < v.length; i++) {
        v[i] *= factor;
      }
      out.put(e.getKey(), v);
    }
    return new Gradients(out, rows);
  }
}
