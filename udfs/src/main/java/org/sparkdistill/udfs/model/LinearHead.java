package org.sparkdistill.udfs.model;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable linear classification head: logits = W·x + b over C labelled classes and d input
 * features, with the dropout rate applied to its input during MC dropout.
 *
 * <p>Weights are copied into one row-major {@code float[C·d]} at construction (4·(C·d + C)
 * bytes; cheap to broadcast and to serialise). Each {@code logits} call is O(C·d) with
 * {@code double} accumulation, allocates only the {@code float[C]} result, and is thread-safe.
 */
public final class LinearHead implements Serializable {

  private static final long serialVersionUID = 1L;

  private final List<String> labels;
  private final float[] weights;
  private final float[] bias;
  private final int inputDim;
  private final double dropoutRate;

  /**
   * @param labels C ≥ 1 distinct, non-null class labels; index c names row c of {@code weight}
   * @param weight C rows of equal length d ≥ 1, finite; row c holds class c's weights
   * @param bias C finite values
   * @param dropoutRate input dropout probability for MC dropout, in [0, 1)
   * @throws IllegalArgumentException naming the mismatching shape or bad value
   */
  public LinearHead(List<String> labels, float[][] weight, float[] bias, double dropoutRate) {
    Objects.requireNonNull(labels, "labels must not be null");
    Objects.requireNonNull(weight, "weight must not be null");
    Objects.requireNonNull(bias, "bias must not be null");
    int numClasses = labels.size();
    if (numClasses < 1) {
      throw new IllegalArgumentException("labels must hold >= 1 class, got: 0");
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int c = 0; c < numClasses; c++) {
      String label = labels.get(c);
      if (label == null) {
        throw new IllegalArgumentException("labels[" + c + "] must not be null");
      }
      Integer previous = seen.putIfAbsent(label, c);
      if (previous != null) {
        throw new IllegalArgumentException(
            "labels must be distinct, got '" + label + "' at " + previous + " and " + c);
      }
    }
    if (weight.length != numClasses) {
      throw new IllegalArgumentException(
          "weight must have one row per label: " + numClasses + " labels, got "
              + weight.length + " rows");
    }
    if (bias.length != numClasses) {
      throw new IllegalArgumentException(
          "bias must have one value per label: " + numClasses + " labels, got length "
              + bias.length);
    }
    if (weight[0] == null || weight[0].length < 1) {
      throw new IllegalArgumentException(
          "weight rows must have length >= 1, got row 0: "
              + (weight[0] == null ? "null" : "length 0"));
    }
    int d = weight[0].length;
    float[] flat = new float[Math.multiplyExact(numClasses, d)];
    for (int c = 0; c < numClasses; c++) {
      float[] row = weight[c];
      if (row == null || row.length != d) {
        throw new IllegalArgumentException(
            "weight rows must all have length " + d + " (row 0's), got row " + c + ": "
                + (row == null ? "null" : "length " + row.length));
      }
      for (int j = 0; j < d; j++) {
        if (!Float.isFinite(row[j])) {
          throw new IllegalArgumentException(
              "weight[" + c + "][" + j + "] must be finite, got: " + row[j]);
        }
      }
      System.arraycopy(row, 0, flat, c * d, d);
    }
    for (int c = 0; c < numClasses; c++) {
      if (!Float.isFinite(bias[c])) {
        throw new IllegalArgumentException("bias[" + c + "] must be finite, got: " + bias[c]);
      }
    }
    checkDropoutRate(dropoutRate);
    this.labels = List.copyOf(labels);
    this.weights = flat;
    this.bias = bias.clone();
    this.inputDim = d;
    this.dropoutRate = dropoutRate;
  }

  /** Deterministic logits W·x + b (dropout off). See {@link #logits(float[], float[])}. */
  public float[] logits(float[] features) {
    checkFeatures(features);
    return affine(features, null);
  }

  /**
   * Logits of the masked input: W·(x ⊙ mask) + b. The element products are taken in float,
   * exactly as {@code DropoutMask.applyInPlace} would, then accumulated in double.
   *
   * @param features length {@link #inputDim()}, finite
   * @param dropoutMask length {@link #inputDim()}, typically an inverted-dropout mask
   */
  public float[] logits(float[] features, float[] dropoutMask) {
    checkFeatures(features);
    Objects.requireNonNull(dropoutMask, "dropoutMask must not be null");
    if (dropoutMask.length != inputDim) {
      throw new IllegalArgumentException(
          "dropoutMask must have length inputDim " + inputDim + ", got: " + dropoutMask.length);
    }
    return affine(features, dropoutMask);
  }

  /** Class labels, index c for logit c (unmodifiable). */
  public List<String> labels() {
    return labels;
  }

  /** C. */
  public int numClasses() {
    return bias.length;
  }

  /** d, the feature length every {@code logits} call requires. */
  public int inputDim() {
    return inputDim;
  }

  /** Input dropout probability used for MC dropout, in [0, 1). */
  public double dropoutRate() {
    return dropoutRate;
  }

  /**
   * A copy of W laid out by input: element {@code [j·C + c]} is W[c][j], so the C weights that
   * input j feeds are contiguous. Cost: one C·d copy; callers that need it per row keep it.
   */
  public float[] weightsByInput() {
    int numClasses = bias.length;
    float[] out = new float[weights.length];
    for (int c = 0, base = 0; c < numClasses; c++, base += inputDim) {
      for (int j = 0; j < inputDim; j++) {
        out[j * numClasses + c] = weights[base + j];
      }
    }
    return out;
  }

  /** A copy of b, one value per class. */
  public float[] bias() {
    return bias.clone();
  }

  /** C·d + C. */
  public long parameterCount() {
    return (long) weights.length + bias.length;
  }

  private float[] affine(float[] x, float[] mask) {
    int numClasses = bias.length;
    float[] out = new float[numClasses];
    for (int c = 0, base = 0; c < numClasses; c++, base += inputDim) {
      double acc = bias[c];
      if (mask == null) {
        for (int j = 0; j < inputDim; j++) {
          acc += (double) weights[base + j] * x[j];
        }
      } else {
        for (int j = 0; j < inputDim; j++) {
          acc += (double) weights[base + j] * (x[j] * mask[j]);
        }
      }
      out[c] = (float) acc;
    }
    return out;
  }

  private void checkFeatures(float[] features) {
    Objects.requireNonNull(features, "features must not be null");
    if (features.length != inputDim) {
      throw new IllegalArgumentException(
          "features must have length inputDim " + inputDim + ", got: " + features.length);
    }
    for (int j = 0; j < features.length; j++) {
      if (!Float.isFinite(features[j])) {
        throw new IllegalArgumentException(
            "features[" + j + "] must be finite, got: " + features[j]);
      }
    }
  }

  private static void checkDropoutRate(double rate) {
    if (!(rate >= 0.0 && rate < 1.0)) {
      throw new IllegalArgumentException("dropoutRate must be in [0, 1), got: " + rate);
    }
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (labels == null || weights == null || bias == null
        || labels.size() != bias.length || inputDim < 1
        || weights.length != (long) bias.length * inputDim
        || !(dropoutRate >= 0.0 && dropoutRate < 1.0)) {
      throw new InvalidObjectException("LinearHead stream has inconsistent shapes or rate");
    }
  }
}
