package org.sparkdistill.udfs.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter 2019, as {@code torch.optim.AdamW}) with global gradient-norm
 * clipping and a per-step learning rate, over the parameters of a block:
 *
 * <pre>
 *   g ← g · min(1, maxGradNorm / ‖g‖₂)           (‖g‖ over every parameter together)
 *   w ← w − lr_t · weightDecay · w                (decoupled; not on biases and LayerNorms)
 *   m ← β1 m + (1 − β1) g;   v ← β2 v + (1 − β2) g²
 *   w ← w − lr_t · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε)
 * </pre>
 *
 * then the gradients are zeroed. Parameters whose name starts with {@code head.} use the head's
 * learning rate (a fresh head needs a larger one than the pretrained encoder). Memory: two float
 * arrays per parameter; cost: about a dozen element-wise passes over every parameter per step.
 */
public final class AdamW implements AutoCloseable {
  private final double beta1 = 0.9;
  private final double beta2 = 0.999;
  private final double epsilon = 1e-8;
  private final double weightDecay;
  private final double maxGradNorm;
  private final Map<String, NDArray[]> moments = new LinkedHashMap<>();
  private long steps;
  private double lastGradNorm;

  /**
   * @param weightDecay decoupled weight decay, >= 0 (typical 0.01)
   * @param maxGradNorm the global gradient norm is clipped to this, > 0 (typical 1.0)
   */
  public AdamW(double weightDecay, double maxGradNorm) {
    if (!(weightDecay >= 0) || !(maxGradNorm > 0)) {
      throw new IllegalArgumentException("weightDecay must be >= 0 and maxGradNorm > 0, got " + weightDecay + " and " + maxGradNorm);
    }
    this.weightDecay = weightDecay;
    this.maxGradNorm = maxGradNorm;
  }

  /** The global gradient norm before clipping, at the last step. */
  public double lastGradNorm() {
    return lastGradNorm;
  }

  /**
   * One update of every parameter of {@code block} that has a gradient.
   *
   * @param learningRate the encoder's learning rate at this step
   * @param headLearningRate the head's learning rate at this step
   * @return the gradient norm before clipping
   */
  public double step(Block block, double learningRate, double headLearningRate) {
    List<Pair<String, Parameter>> params = new ArrayList<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      NDArray w = p.getValue().getArray();
      if (w != null && w.hasGradient()) {
        params.add(p);
      }
    }
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      double squares = 0;
      for (Pair<String, Parameter> p : params) {
        try (NDArray g = p.getValue().getArray().getGradient(); NDArray sq = g.square(); NDArray sum = sq.sum()) {
          squares += sum.getFloat();
        }
      }
      double norm = Math.sqrt(squares);
      lastGradNorm = norm;
      if (!Double.isFinite(norm)) {
        throw new ArithmeticException("the gradient norm is " + norm + " at optimizer step " + (steps + 1));
      }
      float clip = (float) Math.min(1.0, maxGradNorm / (norm + 1e-6));
      long t = steps + 1;
      float bc1 = (float) (1 - Math.pow(beta1, t));
      float bc2 = (float) (1 - Math.pow(beta2, t));
      for (Pair<String, Parameter> p : params) {
        String name = p.getKey();
        NDArray w = p.getValue().getArray();
        double lr = isHead(name) ? headLearningRate : learningRate;
        NDArray[] mv = moments.computeIfAbsent(name, k -> new NDArray[] {w.getManager().zeros(w.getShape()), w.getManager().zeros(w.getShape())});
        try (NDManager tmp = w.getManager().newSubManager()) {
          NDArray g = w.getGradient();
          g.attach(tmp);
          if (clip < 1f) {
            g = attach(tmp, g.mul(clip));
          }
          if (weightDecay > 0 && decays(name)) {
            w.muli((float) (1 - lr * weightDecay));
          }
          mv[0].muli((float) beta1).addi(attach(tmp, g.mul((float) (1 - beta1))));
          mv[1].muli((float) beta2).addi(attach(tmp, attach(tmp, g.square()).muli((float) (1 - beta2))));
          NDArray denom = attach(tmp, attach(tmp, attach(tmp, mv[1].div(bc2)).sqrt()).addi((float) epsilon));
          NDArray update = attach(tmp, attach(tmp, mv[0].div(denom)).muli((float) (lr / bc1)));
          w.subi(update);
        }
        JniUtils.zeroGrad((PtNDArray) w);
      }
      steps = t;
      return norm;
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  private static boolean isHead(String name) {
    return name.startsWith("head.") || name.contains(".head.") || name.endsWith("head.weight") || name.endsWith("head.bias");
  }

  /** Decoupled decay applies to weight matrices and embeddings, not to biases and LayerNorm gains (as BERT's recipe). */
  private static boolean decays(String name) {
    return !name.endsWith("bias") && !name.contains("LayerNorm");
  }

  private static NDArray attach(NDManager tmp, NDArray a) {
    a.attach(tmp);
    return a;
  }

  public long steps() {
    return steps;
  }

  @Override
  public void close() {
    for (NDArray[] mv : moments.values()) {
      mv[0].close();
      mv[1].close();
    }
    moments.clear();
  }
}
