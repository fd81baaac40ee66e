package org.sparkdistill.udfs.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Distillation onto pseudo-subclass targets (LELP) with an optional hard-label term on the
 * classes the subclasses sum to:
 *
 * <pre>
 *   L = (1/N) Σ_i w_i [ α · has_i · CE_i  +  (1 − α) · KL(p_i ‖ q_i) ]
 *   q_i = softmax(s_i) over the C·S outputs (output c·S + s is subclass s of class c)
 *   CE_i = −log Σ_s q_i[y_i·S + s]          (the class probability the readout predicts)
 *   has_i = 1 if y_i ≥ 0, else 0
 * </pre>
 *
 * With α = 0 it is {@link KdLoss} with α = 0 and T = 1, the paper's LELP student (no ground-truth
 * term). With α > 0 the labelled rows also pull up their class's total probability, letting the
 * student split it among the subclasses as the targets say: the analogue of KD's α for a student
 * whose outputs are finer than the labels. The mean divides by N, as {@link KdLoss}'s.
 *
 * <p>Cost: {@link KdLoss}'s operations plus a [N, C, S] log-sum-exp; temporaries on the logits'
 * NDManager. Immutable and thread-safe.
 */
public final class SubclassKdLoss implements StudentLoss {
  private static final long serialVersionUID = 1L;
  private static final float MIN_TARGET = 1e-30f;

  private final double alpha;
  private final int subclasses;

  /**
   * @param alpha weight of the class-level CE term, in [0, 1]
   * @param subclasses S ≥ 1, outputs per class
   */
  public SubclassKdLoss(double alpha, int subclasses) {
    check(alpha, subclasses);
    this.alpha = alpha;
    this.subclasses = subclasses;
  }

  private static void check(double alpha, int subclasses) {
    if (!(alpha >= 0.0 && alpha <= 1.0)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], got: " + alpha);
    }
    if (subclasses < 1) {
      throw new IllegalArgumentException("subclasses must be at least 1, got: " + subclasses);
    }
  }

  public double alpha() {
    return alpha;
  }

  public int subclasses() {
    return subclasses;
  }

  /**
   * @param studentLogits [N, C·S]
   * @param targets [N, C·S] subclass probabilities
   * @param labels [N] class ids in [0, C), or −1
   * @param weights [N]
   * @throws IllegalArgumentException on mismatched shapes, a width that S does not divide, or a label outside [−1, C)
   */
  @Override
  public NDArray compute(NDArray studentLogits, NDArray targets, NDArray labels, NDArray weights) {
    Shape s = studentLogits.getShape();
    if (s.dimension() != 2 || s.get(1) % subclasses != 0) {
      throw new IllegalArgumentException("studentLogits must be [N, C x " + subclasses + "], got: " + s);
    }
    long n = s.get(0);
    int classes = (int) (s.get(1) / subclasses);
    if (!targets.getShape().equals(s)) {
      throw new IllegalArgumentException("targets must have the logits' shape " + s + ", got: " + targets.getShape());
    }
    if (!labels.getShape().equals(new Shape(n)) || !weights.getShape().equals(new Shape(n))) {
      throw new IllegalArgumentException("labels and weights must be [" + n + "], got: " + labels.getShape() + ", " + weights.getShape());
    }
    long[] y = labels.toType(DataType.INT64, false).toLongArray();
    for (int i = 0; i < y.length; i++) {
      if (y[i] < -1 || y[i] >= classes) {
        throw new IllegalArgumentException("labels must be class ids in [-1, " + classes + "), got labels[" + i + "] = " + y[i]);
      }
    }
    NDArray logQ = studentLogits.toType(DataType.FLOAT32, false).logSoftmax(1);
    NDArray t = targets.toType(DataType.FLOAT32, false);
    NDArray w = weights.toType(DataType.FLOAT32, false);
    NDArray kl = t.mul(t.maximum(MIN_TARGET).log().sub(logQ)).sum(new int[] {1});
    NDArray perRow = kl.mul(TorchScalars.of(kl, (float) (1.0 - alpha)));
    if (alpha > 0) {
      // log of each class's total probability: a log-sum-exp over its S outputs, shifted by the block's maximum
      NDArray blocks = logQ.reshape(n, classes, subclasses);
      NDArray top = blocks.max(new int[] {2}, true);
      NDArray logClass = blocks.sub(top).exp().sum(new int[] {2}).log().add(top.squeeze(2));
      NDArray y64 = labels.toType(DataType.INT64, false);
      NDArray has = y64.gte(0).toType(DataType.FLOAT32, false);
      NDArray oneHot = y64.maximum(0).oneHot(classes).toType(DataType.FLOAT32, false);
      NDArray ce = logClass.mul(oneHot).sum(new int[] {1}).neg().mul(has);
      perRow = perRow.add(ce.mul(TorchScalars.of(ce, (float) alpha)));
    }
    NDArray total = perRow.mul(w).sum();
    return total.div(TorchScalars.of(total, n));
  }

  /**
   * The same loss in plain Java double precision, for tests.
   *
   * @return {total, CE part, KL part}
   */
  public static double[] reference(float[][] logits, float[][] targets, int[] labels, float[] weights, double alpha, int subclasses) {
    check(alpha, subclasses);
    int n = logits.length;
    double cePart = 0;
    double klPart = 0;
    for (int i = 0; i < n; i++) {
      int width = logits[i].length;
      double max = Double.NEGATIVE_INFINITY;
      for (float v : logits[i]) {
        max = Math.max(max, v);
      }
      double z = 0;
      for (float v : logits[i]) {
        z += Math.exp(v - max);
      }
      double[] q = new double[width];
      for (int j = 0; j < width; j++) {
        q[j] = Math.exp(logits[i][j] - max) / z;
      }
      double kl = 0;
      for (int j = 0; j < width; j++) {
        if (targets[i][j] > 0) {
          kl += targets[i][j] * (Math.log(targets[i][j]) - Math.log(q[j]));
        }
      }
      double ce = 0;
      if (labels[i] >= 0) {
        double p = 0;
        for (int k = 0; k < subclasses; k++) {
          p += q[labels[i] * subclasses + k];
        }
        ce = -Math.log(p);
      }
      cePart += weights[i] * alpha * ce;
      klPart += weights[i] * (1 - alpha) * kl;
    }
    return new double[] {(cePart + klPart) / n, cePart / n, klPart / n};
  }
}
