package org.sparkdistill.udfs.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Embedding distillation (FitNets-style feature matching) for a student whose first C outputs are
 * class logits and whose remaining d outputs are a linear projection of its hidden representation
 * to the teacher's feature dimension:
 *
 * <pre>
 *   L = (1/N) Σ_i w_i [ has_i · CE_i  +  λ · ‖g_i − h_i‖² ]
 *   CE_i = −log softmax(s_i[0..C))[y_i]     (the class logits only)
 *   g_i  = s_i[C..C+d)                       (the student's projection)
 *   h_i  = the teacher's cached features (the vector that feeds its head W), the target
 *   has_i = 1 if y_i ≥ 0, else 0             (unlabelled transfer rows: feature term only)
 * </pre>
 *
 * The feature term is the squared Euclidean distance (summed over the d dimensions, not averaged),
 * so for the L2-normalised encoder features it is O(1) like the CE; λ ({@code
 * student.featureWeight}) is chosen on validation. The mean divides by N, as {@link KdLoss} does.
 * The readout reads the class logits only ({@code Readout.withAuxiliary}).
 *
 * <p>Cost: O(N·(C + d)) element-wise float32 operations on the logits' device. Immutable.
 */
public final class FeatureMatchLoss implements StudentLoss {
  private static final long serialVersionUID = 1L;

  private final int classes;
  private final double weight;

  /**
   * @param classes C, the number of leading class outputs (≥ 1)
   * @param weight λ ≥ 0, finite: weight of the feature-matching term
   */
  public FeatureMatchLoss(int classes, double weight) {
    check(classes, weight);
    this.classes = classes;
    this.weight = weight;
  }

  private static void check(int classes, double weight) {
    if (classes < 1) {
      throw new IllegalArgumentException("classes must be >= 1, got: " + classes);
    }
    if (!(weight >= 0) || !Double.isFinite(weight)) {
      throw new IllegalArgumentException("student.featureWeight must be finite and >= 0, got: " + weight);
    }
  }

  public int classes() {
    return classes;
  }

  public double weight() {
    return weight;
  }

  /**
   * @param studentLogits [N, C + d]
   * @param targets [N, d] teacher features
   * @param labels [N] class ids in [0, C) or −1
   * @param weights [N] row weights
   */
  @Override
  public NDArray compute(NDArray studentLogits, NDArray targets, NDArray labels, NDArray weights) {
    Shape s = studentLogits.getShape();
    if (s.dimension() != 2) {
      throw new IllegalArgumentException("studentLogits must be [N, C + d], got: " + s);
    }
    long n = s.get(0);
    long d = s.get(1) - classes;
    if (d < 1) {
      throw new IllegalArgumentException("the student has " + s.get(1) + " outputs: embedding distillation needs the " + classes + " class outputs and at least one feature output");
    }
    if (!targets.getShape().equals(new Shape(n, d))) {
      throw new IllegalArgumentException(
          "targets (teacher features) must be [" + n + ", " + d + "] (the student's " + d + " feature outputs), got: " + targets.getShape());
    }
    if (!labels.getShape().equals(new Shape(n)) || !weights.getShape().equals(new Shape(n))) {
      throw new IllegalArgumentException("labels and weights must be [" + n + "], got: " + labels.getShape() + ", " + weights.getShape());
    }
    long[] y = labels.toType(DataType.INT64, false).toLongArray();
    for (int i = 0; i < y.length; i++) {
      if (y[i] < -1 || y[i] >= classes) {
        throw new IllegalArgumentException("labels must be in [-1, " + classes + "), got labels[" + i + "] = " + y[i]);
      }
    }
    NDArray logits = studentLogits.toType(DataType.FLOAT32, false);
    NDArray classLogits = logits.get(new NDIndex(":, 0:{}", classes));
    NDArray projection = logits.get(new NDIndex(":, {}:", classes));
    NDArray h = targets.toType(DataType.FLOAT32, false);
    NDArray w = weights.toType(DataType.FLOAT32, false);

    NDArray y64 = labels.toType(DataType.INT64, false);
    NDArray has = y64.gte(0).toType(DataType.FLOAT32, false);
    NDArray oneHot = y64.maximum(0).oneHot(classes).toType(DataType.FLOAT32, false);
    NDArray ce = classLogits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg().mul(has);
    NDArray diff = projection.sub(h);
    NDArray distance = diff.mul(diff).sum(new int[] {1});
    NDArray sum = ce.add(distance.mul(TorchScalars.of(distance, weight))).mul(w).sum();
    return sum.div(TorchScalars.of(sum, n));
  }

  /**
   * The same loss in plain Java double precision, for tests.
   *
   * @return {total, CE part, feature part}, each already divided by N
   */
  public static double[] reference(float[][] logits, float[][] features, int[] labels, float[] weights, int classes, double weight) {
    check(classes, weight);
    int n = logits.length;
    double cePart = 0;
    double featurePart = 0;
    for (int i = 0; i < n; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits[i][c]);
      }
      double z = 0;
      for (int c = 0; c < classes; c++) {
        z += Math.exp(logits[i][c] - max);
      }
      double ce = labels[i] >= 0 ? -(logits[i][labels[i]] - max - Math.log(z)) : 0;
      double distance = 0;
      for (int k = 0; k < features[i].length; k++) {
        double e = logits[i][classes + k] - features[i][k];
        distance += e * e;
      }
      cePart += weights[i] * ce;
      featurePart += weights[i] * weight * distance;
    }
    return new double[] {(cePart + featurePart) / n, cePart / n, featurePart / n};
  }
}
