package org.sparkdistill.udfs.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Plain knowledge-distillation loss (Hinton et al. 2015) with per-row weights and optional
 * hard labels:
 *
 * <pre>
 *   L = (1/N) Σ_i w_i [ α · CE_i · has_i  +  (1 − α) · T² · KL(t_i ‖ softmax(s_i / T)) ]
 *   CE_i = −log softmax(s_i)[y_i]          (temperature 1)
 *   has_i = 1 if y_i ≥ 0, else 0           (label −1: no CE term, the KL term still counts)
 *   KL(t ‖ q) = Σ_c t_c (log t_c − log q_c), with 0 · log 0 = 0
 * </pre>
 *
 * The mean divides by N, the number of rows, always: not by the weight sum and not by the
 * number of labelled rows. So with α = 1 and every row labelled and weighted 1 it is the plain
 * mean cross-entropy; rows without a label lower the CE part's share rather than re-weighting
 * it. Targets t_i are the teacher's probabilities (already softened at whatever temperature the
 * teacher side chose); they are constants (no gradient flows into them). The T² factor keeps
 * the KL gradients' scale independent of T.
 *
 * <p>Cost: a handful of [N, C] element-wise operations in float32 on the logits' device; the
 * temporaries are attached to the logits' NDManager, so call it inside a per-batch
 * sub-manager. Immutable and thread-safe.
 */
public final class KdLoss implements StudentLoss {
  private static final long serialVersionUID = 1L;

  private static final float MIN_TARGET = 1e-30f;

  private final double alpha;
  private final double temperature;

  /**
   * @param alpha weight of the hard-label CE term, in [0, 1]; 1 − alpha weighs the KL term
   * @param temperature T > 0, finite; divides the student logits in the KL term
   */
  public KdLoss(double alpha, double temperature) {
    checkHyper(alpha, temperature);
    this.alpha = alpha;
    this.temperature = temperature;
  }

  private static void checkHyper(double alpha, double temperature) {
    if (!(alpha >= 0.0 && alpha <= 1.0)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], got: " + alpha);
    }
    if (!(temperature > 0.0) || !Double.isFinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be finite and > 0, got: " + temperature);
    }
  }

  public double alpha() {
    return alpha;
  }

  public double temperature() {
    return temperature;
  }

  /**
   * The scalar loss (float32, shape []), differentiable with respect to {@code studentLogits}.
   *
   * @param studentLogits [N, C] float32
   * @param targets [N, C] probabilities (rows summing to 1; not checked)
   * @param labels [N] integer class ids in [0, C), or −1 for none
   * @param weights [N] float32 row weights (≥ 0 expected; not checked)
   * @throws IllegalArgumentException on mismatched shapes or a label outside [−1, C)
   */
  @Override
  public NDArray compute(
      NDArray studentLogits, NDArray targets, NDArray labels, NDArray weights) {
    Shape s = studentLogits.getShape();
    if (s.dimension() != 2) {
      throw new IllegalArgumentException("studentLogits must be [N, C], got: " + s);
    }
    long n = s.get(0);
    long c = s.get(1);
    if (!targets.getShape().equals(s)) {
      throw new IllegalArgumentException(
          "targets must have the logits' shape " + s + ", got: " + targets.getShape());
    }
    if (!labels.getShape().equals(new Shape(n))) {
      throw new IllegalArgumentException(
          "labels must be [" + n + "], got: " + labels.getShape());
    }
    if (!weights.getShape().equals(new Shape(n))) {
      throw new IllegalArgumentException(
          "weights must be [" + n + "], got: " + weights.getShape());
    }
    long[] y = labels.toType(DataType.INT64, false).toLongArray();
    for (int i = 0; i < y.length; i++) {
      if (y[i] < -1 || y[i] >= c) {
        throw new IllegalArgumentException(
            "labels must be in [-1, " + c + "), got labels[" + i + "] = " + y[i]);
      }
    }

    NDArray logits = studentLogits.toType(DataType.FLOAT32, false);
    NDArray t = targets.toType(DataType.FLOAT32, false);
    NDArray w = weights.toType(DataType.FLOAT32, false);

    // Hard-label part: −log softmax(s)[y] for labelled rows, 0 for y = −1.
    NDArray y64 = labels.toType(DataType.INT64, false);
    NDArray has = y64.gte(0).toType(DataType.FLOAT32, false);
    NDArray oneHot = y64.maximum(0).oneHot((int) c).toType(DataType.FLOAT32, false);
    NDArray ce = logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg().mul(has);

    // Soft part: KL(t ‖ softmax(s / T)).
    NDArray logQ = logits.div(TorchScalars.of(logits, temperature)).logSoftmax(1);
    NDArray kl = t.mul(t.maximum(MIN_TARGET).log().sub(logQ)).sum(new int[] {1});

    float ceScale = (float) alpha;
    float klScale = (float) ((1.0 - alpha) * temperature * temperature);
    NDArray perRow = ce.mul(TorchScalars.of(ce, ceScale)).add(kl.mul(TorchScalars.of(kl, klScale)));
    NDArray total = perRow.mul(w).sum();
    return total.div(TorchScalars.of(total, n));
  }

  /**
   * The same loss in plain Java double precision, for tests and checks.
   *
   * @return {total, CE part, KL part}: the parts are (1/N) Σ w_i α CE_i has_i and (1/N) Σ w_i (1
   *     − α) T² KL_i, so total = CE part + KL part
   */
  public static double[] reference(
      float[][] logits, float[][] targets, int[] labels, float[] weights, double alpha, double t) {
    checkHyper(alpha, t);
    int n = logits.length;
    if (n == 0 || targets.length != n || labels.length != n || weights.length != n) {
      throw new IllegalArgumentException(
          "logits, targets, labels and weights must have the same N >= 1 rows, got "
              + logits.length + ", " + targets.length + ", " + labels.length + ", "
              + weights.length);
    }
    double cePart = 0;
    double klPart = 0;
    for (int i = 0; i < n; i++) {
      int c = logits[i].length;
      if (targets[i].length != c) {
        throw new IllegalArgumentException(
            "targets[" + i + "] has " + targets[i].length + " classes, logits[" + i + "] " + c);
      }
      if (labels[i] < -1 || labels[i] >= c) {
        throw new IllegalArgumentException(
            "labels must be in [-1, " + c + "), got labels[" + i + "] = " + labels[i]);
      }
      double[] logP = logSoftmax(logits[i], 1.0);
      double[] logQ = logSoftmax(logits[i], t);
      double ce = labels[i] >= 0 ? -logP[labels[i]] : 0.0;
      double kl = 0;
      for (int j = 0; j < c; j++) {
        double tj = targets[i][j];
        if (tj > 0) {
          kl += tj * (Math.log(tj) - logQ[j]);
        }
      }
      cePart += weights[i] * alpha * ce;
      klPart += weights[i] * (1 - alpha) * t * t * kl;
    }
    cePart /= n;
    klPart /= n;
    return new double[] {cePart + klPart, cePart, klPart};
  }

  private static double[] logSoftmax(float[] logits, double t) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v / t);
    }
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v / t - max);
    }
    double logZ = max + Math.log(sum);
    double[] out = new double[logits.length];
    for (int j = 0; j < logits.length; j++) {
      out[j] = logits[j] / t - logZ;
    }
    return out;
  }
}
