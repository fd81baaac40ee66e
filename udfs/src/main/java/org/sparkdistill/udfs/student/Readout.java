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
 * @param classes the class labels, in class-index order
 * @param outputClass for each output, the index of its class in {@code classes}
 */
public record Readout(
    @JsonProperty("classes") List<String> classes, @JsonProperty("outputClass") int[] outputClass)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  @JsonCreator
  public Readout {
    classes = List.copyOf(classes);
    boolean[] covered = new boolean[classes.size()];
    for (int j = 0; j < outputClass.length; j++) {
      if (outputClass[j] < 0 || outputClass[j] >= classes.size()) {
        throw new IllegalArgumentException(
            "readout outputClass[" + j + "] must be a class index in [0, " + classes.size() + "), got: " + outputClass[j]);
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

  /** Number of outputs this readout expects. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public int outputs() {
    return outputClass.length;
  }

  /** Class probabilities from one row of output probabilities. */
  public float[] classProbabilities(float[] outputProbabilities) {
    if (outputProbabilities.length != outputClass.length) {
      throw new IllegalArgumentException(
          "readout expects " + outputClass.length + " output probabilities, got " + outputProbabilities.length);
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
    return "Readout" + (isIdentity() ? "(identity over " + classes + ")" : "(" + classes + ", outputClass=" + Arrays.toString(outputClass) + ")");
  }
}
