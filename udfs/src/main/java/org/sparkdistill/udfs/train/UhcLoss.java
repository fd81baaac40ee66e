package org.sparkdistill.udfs.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The UHC baseline of knowledge amalgamation (methods.md §1): the student predicts the union label
 * set; for each teacher k its probabilities are renormalised inside the teacher's block of union
 * classes and matched to that teacher's distribution by KL:
 *
 * <pre>
 *   q_k,i = softmax(s_i[block_k])                       (student, renormalised in the block)
 *   L = (1/N) Σ_i w_i Σ_k KL(t_i,k ‖ q_k,i)            (0 · log 0 = 0)
 * </pre>
 *
 * Targets are the teachers' distributions concatenated in teacher order (width Σ|Y_k|); blocks may
 * overlap. Cost: per teacher one [N, C] × [C, |Y_k|] selection product and a log-softmax.
 * Immutable and serialisable.
 */
public final class UhcLoss implements StudentLoss {
  private static final long serialVersionUID = 1L;
  private static final float MIN_TARGET = 1e-30f;

  private final int[][] blocks;

  /** @param blocks each teacher's union class indices, in the order of its target block */
  public UhcLoss(int[][] blocks) {
    if (blocks.length == 0) {
      throw new IllegalArgumentException("UHC needs at least one teacher block");
    }
    this.blocks = new int[blocks.length][];
    for (int k = 0; k < blocks.length; k++) {
      if (blocks[k].length == 0) {
        throw new IllegalArgumentException("teacher block " + k + " is empty");
      }
      this.blocks[k] = blocks[k].clone();
    }
  }

  private int width() {
    int n = 0;
    for (int[] b : blocks) {
      n += b.length;
    }
    return n;
  }

  @Override
  public NDArray compute(NDArray studentLogits, NDArray targets, NDArray labels, NDArray weights) {
    Shape s = studentLogits.getShape();
    long n = s.get(0);
    long c = s.get(1);
    if (!targets.getShape().equals(new Shape(n, width()))) {
      throw new IllegalArgumentException("UHC targets must be [" + n + ", " + width() + "] (the teachers' blocks concatenated), got: " + targets.getShape());
    }
    NDArray logits = studentLogits.toType(DataType.FLOAT32, false);
    NDArray t = targets.toType(DataType.FLOAT32, false);
    NDArray total = null;
    int at = 0;
    for (int[] block : blocks) {
      float[] select = new float[(int) c * block.length];
      for (int j = 0; j < block.length; j++) {
        if (block[j] < 0 || block[j] >= c) {
          throw new IllegalArgumentException("teacher block index " + block[j] + " is outside the student's " + c + " outputs");
        }
        select[block[j] * block.length + j] = 1f;
      }
      NDArray sel = logits.getManager().create(select, new Shape(c, block.length));
      NDArray logQ = logits.matMul(sel).logSoftmax(1);
      NDArray tk = t.get(new NDIndex(":, " + at + ":" + (at + block.length)));
      NDArray kl = tk.mul(tk.maximum(MIN_TARGET).log().sub(logQ)).sum(new int[] {1});
      total = total == null ? kl : total.add(kl);
      at += block.length;
    }
    NDArray sum = total.mul(weights.toType(DataType.FLOAT32, false)).sum();
    return sum.div(TorchScalars.of(sum, n));
  }

  /** The same loss in plain Java double precision, for tests. */
  public static double reference(float[][] logits, float[][] targets, float[] weights, int[][] blocks) {
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      int at = 0;
      for (int[] block : blocks) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c : block) {
          max = Math.max(max, logits[i][c]);
        }
        double z = 0;
        for (int c : block) {
          z += Math.exp(logits[i][c] - max);
        }
        double logZ = max + Math.log(z);
        for (int j = 0; j < block.length; j++) {
          double tj = targets[i][at + j];
          if (tj > 0) {
            sum += weights[i] * tj * (Math.log(tj) - (logits[i][block[j]] - logZ));
          }
        }
        at += block.length;
      }
    }
    return sum / logits.length;
  }
}
