package org.sparkdistill.udfs.student;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * How a student's output probabilities become class probabilities: output j counts towards
 * class {@code outputClass[j]}, and a class's probability is the sum over its outputs. Plain KD
 * and multi-teacher amalgamation use the identity (one output per class); a method with wider
 * targets (pseudo-subclasses) groups several outputs per class. Saved in {@code student.json}, so
 * a student predicts classes wherever it is loaded.
 *
 * <p>An output mapped to {@link #AUXILIARY} (−1) is no class: e.g. embedding distillation's
 * projection of the student's hidden representation to the teacher's feature dimension, which
 * only its training loss reads. The readout skips such outputs: class probabilities come from a
 * softmax over the class outputs alone ({@link #fromLogits}).
 *
 * @param classes the class labels, in class-index order
 * @param outputClass for each output, the index of its class in {@code classes}, or {@link
 *     #AUXILIARY}
 */
public record Readout(
    @JsonProperty("classes") List<String> classes, @JsonProperty("outputClass") int[] outputClass)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** {@code outputClass} value of an output that is no class (read by a training loss only). */
  public static final int AUXILIARY = -1;

  @JsonCreator
  public Readout {
    classes = List.copyOf(classes);
    boolean[] covered = new boolean[classes.size()];
    for (int j = 0; j < outputClass.length; j++) {
      if (outputClass[j] == AUXILIARY) {
        continue;
      }
      if (outputClass[j] < 0 || outputClass[j] >= classes.size()) {
        throw new IllegalArgumentException(
            "readout outputClass[" + j + "] must be a class index in [0, " + classes.size() + ") or " + AUXILIARY + " (auxiliary), got: " + outputClass[j]);
      }
      covered[outputClass[j]] = true;
    }
    for (int c = 0; c < covered.length; c++) {
      if (!covered[c]) {
        throw new IllegalArgumentException("readout gives class " + classes.get(c) + " no output");
      }
    }
    outputClass = outputClass.clone();
  }

  /** One output per class, in the same order. */
  public static Readout identity(List<String> classes) {
    int[] map = new int[classes.size()];
    for (int c = 0; c < map.length; c++) {
      map[c] = c;
    }
    return new Readout(classes, map);
  }

  /**
   * One output per class, in the same order, followed by {@code auxiliary} outputs that are no
   * class (e.g. a projection to the teacher's feature dimension).
   */
  public static Readout withAuxiliary(List<String> classes, int auxiliary) {
    if (auxiliary < 0) {
      throw new IllegalArgumentException("auxiliary outputs must be >= 0, got: " + auxiliary);
    }
    int[] map = new int[classes.size() + auxiliary];
    for (int j = 0; j < map.length; j++) {
      map[j] = j < classes.size() ? j : AUXILIARY;
    }
    return new Readout(classes, map);
  }

  /** Number of outputs mapped to {@link #AUXILIARY}. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public int auxiliaryOutputs() {
    int n = 0;
    for (int j : outputClass) {
      n += j == AUXILIARY ? 1 : 0;
    }
    return n;
  }

  /**
   * Class probabilities from one row of logits: a softmax (in double) over the class outputs, the
   * auxiliary ones left out, then the sum over each class's outputs. Without auxiliary outputs this
   * equals {@code classProbabilities(softmax(logits))}.
   */
  public float[] fromLogits(float[] logits) {
    if (logits.length != outputClass.length) {
      throw new IllegalArgumentException("readout expects " + outputClass.length + " logits, got " + logits.length);
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < logits.length; j++) {
      if (outputClass[j] != AUXILIARY) {
        max = Math.max(max, logits[j]);
      }
    }
    double[] sums = new double[classes.size()];
    double total = 0;
    for (int j = 0; j < logits.length; j++) {
      if (outputClass[j] != AUXILIARY) {
        double e = Math.exp(logits[j] - max);
        sums[outputClass[j]] += e;
        total += e;
      }
    }
    float[] out = new float[sums.length];
    for (int c = 0; c < out.length; c++) {
      out[c] = (float) (sums[c] / total);
    }
    return out;
  }

  /** Number of outputs this readout expects. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public int outputs() {
    return outputClass.length;
  }

  /**
   * Class probabilities from one row of output probabilities (a softmax over every output). A
   * readout with auxiliary outputs refuses it: their logits are no class scores, use {@link
   * #fromLogits}.
   */
  public float[] classProbabilities(float[] outputProbabilities) {
    if (outputProbabilities.length != outputClass.length) {
      throw new IllegalArgumentException(
          "readout expects " + outputClass.length + " output probabilities, got " + outputProbabilities.length);
    }
    if (auxiliaryOutputs() > 0) {
      throw new IllegalStateException("this readout has " + auxiliaryOutputs() + " auxiliary outputs: read classes with fromLogits(logits)");
    }
    if (isIdentity()) {
      return outputProbabilities;
    }
    double[] sums = new double[classes.size()];
    for (int j = 0; j < outputClass.length; j++) {
      sums[outputClass[j]] += outputProbabilities[j];
    }
    float[] out = new float[sums.length];
    for (int c = 0; c < out.length; c++) {
      out[c] = (float) sums[c];
    }
    return out;
  }

  /** True when output j is class j for every j. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isIdentity() {
    if (outputClass.length != classes.size()) {
      return false;
    }
    for (int j = 0; j < outputClass.length; j++) {
      if (outputClass[j] != j) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Readout r && r.classes.equals(classes) && Arrays.equals(r.outputClass, outputClass);
  }

  @Override
  public int hashCode() {
    return classes.hashCode() * 31 + Arrays.hashCode(outputClass);
  }

  @Override
  public String toString() {
    int auxiliary = auxiliaryOutputs();
    if (auxiliary > 0 && equals(withAuxiliary(classes, auxiliary))) {
      return "Readout(identity over " + classes + ", then " + auxiliary + " auxiliary outputs)";
    }
    return "Readout" + (isIdentity() ? "(identity over " + classes + ")" : "(" + classes + ", outputClass=" + Arrays.toString(outputClass) + ")");
  }
}
