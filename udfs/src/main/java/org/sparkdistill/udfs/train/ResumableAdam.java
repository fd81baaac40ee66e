package org.sparkdistill.udfs.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Adam (Kingma and Ba 2015, as {@code torch.optim.Adam}) whose state can be saved and restored
 * exactly, so that training resumed from a checkpoint (parameters + this state) gives
 * bit-identical parameters to an uninterrupted run on the same machine and thread count.
 *
 * <p>Per step t (counted by {@link #steps()}, shared by all parameters) and parameter w with
 * gradient g:
 *
 * <pre>
 *   g ← g + weightDecay · w                        (coupled L2, as torch.optim.Adam; all parameters)
 *   m ← β1 m + (1 − β1) g
 *   v ← β2 v + (1 − β2) g²
 *   w ← w − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε)
 * </pre>
 *
 * then the gradient is zeroed. Every parameter of the block is updated on every step, a zero
 * gradient included (the moments still decay), as DJL's optimisers do. Moments m and v are
 * float32 arrays with the parameter's shape, created (zero) on the parameter's NDManager at the
 * first step, or on the manager given to {@link #load}; {@link #close()} frees them.
 *
 * <p>Cost per step: about ten element-wise passes over every parameter (dense, also for the
 * embedding table: with 4.2 M parameters that is tens of ms on one core), and 2 extra floats
 * of memory per parameter. Not thread-safe: one training loop per instance.
 */
public final class ResumableAdam implements AutoCloseable {

  private static final int MAGIC = 0x52414441; // "RADA"
  private static final int VERSION = 1;

  private final double learningRate;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double weightDecay;
  private final Map<String, Moments> state = new LinkedHashMap<>();
  private long steps;
  private java.util.function.ToDoubleBiFunction<String, Long> rates;

  private record Moments(NDArray m, NDArray v) {}

  /**
   * @param learningRate lr, finite and > 0 (typical 1e-3 to 1e-2)
   * @param beta1 first-moment decay in [0, 1) (typical 0.9)
   * @param beta2 second-moment decay in [0, 1) (typical 0.999)
   * @param epsilon added to the denominator, finite and > 0 (typical 1e-8)
   * @param weightDecay L2 coefficient added to the gradient, finite and ≥ 0
   */
  public ResumableAdam(
      double learningRate, double beta1, double beta2, double epsilon, double weightDecay) {
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException(
          "learningRate must be finite and > 0, got: " + learningRate);
    }
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw new IllegalArgumentException("beta1 must be in [0, 1), got: " + beta1);
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("beta2 must be in [0, 1), got: " + beta2);
    }
    if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
      throw new IllegalArgumentException("epsilon must be finite and > 0, got: " + epsilon);
    }
    if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
      throw new IllegalArgumentException(
          "weightDecay must be finite and >= 0, got: " + weightDecay);
    }
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.weightDecay = weightDecay;
  }

  /**
   * Per-parameter, per-step learning rates: {@code rates(name, t)} replaces {@code learningRate} for
   * parameter {@code name} at step t (e.g. {@code StudentArchitecture#learningRate}: a fresh head
   * faster than pretrained layers, a warm-up). Not saved with the state: they come from the
   * architecture, which a checkpoint's plan fingerprints. Null (the default): {@code learningRate}
   * for every parameter and step.
   */
  public ResumableAdam withLearningRates(java.util.function.ToDoubleBiFunction<String, Long> rates) {
    this.rates = rates;
    return this;
  }

  /** Steps taken so far (restored by {@link #load}). */
  public long steps() {
    return steps;
  }

  /**
   * One Adam update of every parameter of {@code block} from its accumulated gradient
   * ({@code getArray().getGradient()}), in place and without autograd recording; then zeroes
   * the gradients. Same as {@code apply(block, Gradients.take(block, n))}.
   *
   * @throws IllegalStateException if the block has a different parameter layout than the
   *     state this optimiser holds
   */
  public void step(Block block) {
    apply(block, Gradients.take(Objects.requireNonNull(block, "block must not be null"), 0));
  }

  /**
   * One Adam update of every trainable parameter of {@code block} from {@code gradients} (from a
   * {@link TrainingStep} here, or combined from several executors), in place and without autograd
   * recording. Parameters without {@code requiresGradient} are skipped (frozen).
   *
   * @throws IllegalStateException if the gradients or the optimiser state do not match the
   *     block's trainable parameters
   */
  public void apply(Block block, Gradients gradients) {
    Objects.requireNonNull(block, "block must not be null");
    List<Pair<String, Parameter>> params = trainable(block);
    if (!state.isEmpty()) {
      checkLayout(params);
    }
    List<String> names = new ArrayList<>();
    params.forEach(p -> names.add(p.getKey()));
    if (!names.equals(new ArrayList<>(gradients.values().keySet()))) {
      throw new IllegalStateException(
          "gradients for " + gradients.values().keySet() + " do not match the block's trainable parameters " + names);
    }
    long t = steps + 1;
    double bc1 = 1 - Math.pow(beta1, t);
    float bc2 = (float) (1 - Math.pow(beta2, t));
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (Pair<String, Parameter> p : params) {
        NDArray w = p.getValue().getArray();
        Moments mo =
            state.computeIfAbsent(
                p.getKey(),
                k -> new Moments(w.getManager().zeros(w.getShape()), w.getManager().zeros(w.getShape())));
        float lrT = (float) ((rates == null ? learningRate : rates.applyAsDouble(p.getKey(), t)) / bc1);
        try (NDManager tmp = w.getManager().newSubManager()) {
          NDArray g = tmp.create(gradients.values().get(p.getKey()), w.getShape());
          NDArray grad = g;
          if (weightDecay != 0) {
            grad = temp(tmp, w.mul((float) weightDecay)).addi(g);
          }
          mo.m().muli((float) beta1).addi(temp(tmp, grad.mul((float) (1 - beta1))));
          mo.v().muli((float) beta2).addi(temp(tmp, grad.square()).muli((float) (1 - beta2)));
          NDArray denom = temp(tmp, temp(tmp, mo.v().div(bc2)).sqrt()).addi((float) epsilon);
          NDArray update = temp(tmp, mo.m().div(denom)).muli(lrT);
          w.subi(update);
        }
      }
    } finally {
      JniUtils.setGradMode(gradMode);
    }
    steps = t;
  }

  private static NDArray temp(NDManager tmp, NDArray a) {
    a.attach(tmp);
    return a;
  }

  private static List<Pair<String, Parameter>> trainable(Block block) {
    List<Pair<String, Parameter>> out = new ArrayList<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      Parameter param = p.getValue();
      if (param.requiresGradient() && param.getArray() != null
          && param.getArray().hasGradient()) {
        out.add(p);
      }
    }
    return out;
  }

  private void checkLayout(List<Pair<String, Parameter>> params) {
    List<String> names = new ArrayList<>();
    for (Pair<String, Parameter> p : params) {
      Moments mo = state.get(p.getKey());
      if (mo == null || !mo.m().getShape().equals(p.getValue().getArray().getShape())) {
        throw new IllegalStateException(
            "block parameter " + p.getKey() + " " + p.getValue().getArray().getShape()
                + " has no matching optimiser state; state holds " + describeState());
      }
      names.add(p.getKey());
    }
    if (!names.equals(new ArrayList<>(state.keySet()))) {
      throw new IllegalStateException(
          "block's trainable parameters " + names + " differ from the optimiser state's "
              + state.keySet());
    }
  }

  private String describeState() {
    List<String> d = new ArrayList<>();
    state.forEach((k, mo) -> d.add(k + " " + mo.m().getShape()));
    return d.toString();
  }

  /**
   * Writes hyperparameters, the step count and every moment array (exact float32 values) to
   * {@code out}; does not close it. Cost: 8 bytes per parameter.
   */
  public void save(OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(MAGIC);
    data.writeInt(VERSION);
    data.writeDouble(learningRate);
    data.writeDouble(beta1);
    data.writeDouble(beta2);
    data.writeDouble(epsilon);
    data.writeDouble(weightDecay);
    data.writeLong(steps);
    data.writeInt(state.size());
    for (Map.Entry<String, Moments> e : state.entrySet()) {
      data.writeUTF(e.getKey());
      long[] shape = e.getValue().m().getShape().getShape();
      data.writeInt(shape.length);
      for (long d : shape) {
        data.writeLong(d);
      }
      writeFloats(data, e.getValue().m().toFloatArray());
      writeFloats(data, e.getValue().v().toFloatArray());
    }
    data.flush();
  }

  private static void writeFloats(DataOutputStream data, float[] values) throws IOException {
    byte[] buf = new byte[values.length * 4];
    java.nio.ByteBuffer.wrap(buf).asFloatBuffer().put(values);
    data.write(buf);
  }

  /**
   * Replaces this optimiser's state with one written by {@link #save}, creating the moment
   * arrays on {@code manager} (e.g. {@code model.getNDManager()}); does not close {@code in}.
   * The saved hyperparameters must equal this instance's, and the saved parameter names and
   * shapes must equal {@code block}'s trainable parameters.
   *
   * @throws IOException if the stream is truncated, not an optimiser state, or does not match
   *     (the message names the mismatch)
   */
  public void load(InputStream in, Block block, NDManager manager) throws IOException {
    Objects.requireNonNull(block, "block must not be null");
    Objects.requireNonNull(manager, "manager must not be null");
    DataInputStream data = new DataInputStream(in);
    int magic = data.readInt();
    if (magic != MAGIC) {
      throw new IOException(
          "not a ResumableAdam state: magic 0x" + Integer.toHexString(magic) + ", expected 0x"
              + Integer.toHexString(MAGIC));
    }
    int version = data.readInt();
    if (version != VERSION) {
      throw new IOException(
          "unsupported ResumableAdam state version " + version + ", expected " + VERSION);
    }
    checkSame("learningRate", learningRate, data.readDouble());
    checkSame("beta1", beta1, data.readDouble());
    checkSame("beta2", beta2, data.readDouble());
    checkSame("epsilon", epsilon, data.readDouble());
    checkSame("weightDecay", weightDecay, data.readDouble());
    long savedSteps = data.readLong();
    if (savedSteps < 0) {
      throw new IOException("corrupt ResumableAdam state: steps " + savedSteps);
    }
    int count = data.readInt();
    List<Pair<String, Parameter>> params = trainable(block);
    if (count != params.size()) {
      throw new IOException(
          "ResumableAdam state holds " + count + " parameters, the block has " + params.size()
              + " trainable ones");
    }
    Map<String, Moments> loaded = new LinkedHashMap<>();
    try {
      for (int i = 0; i < count; i++) {
        String name = data.readUTF();
        int rank = data.readInt();
        if (rank < 0 || rank > 16) {
          throw new IOException("corrupt ResumableAdam state: rank " + rank + " for " + name);
        }
        long[] dims = new long[rank];
        for (int d = 0; d < rank; d++) {
          dims[d] = data.readLong();
        }
        Shape shape = new Shape(dims);
        Pair<String, Parameter> p = params.get(i);
        Shape expected = p.getValue().getArray().getShape();
        if (!p.getKey().equals(name) || !expected.equals(shape)) {
          throw new IOException(
              "ResumableAdam state entry " + i + " is " + name + " " + shape
                  + ", the block's parameter is " + p.getKey() + " " + expected);
        }
        int size = Math.toIntExact(shape.size());
        NDArray m = manager.create(readFloats(data, size), shape);
        loaded.put(name, new Moments(m, null));
        NDArray v = manager.create(readFloats(data, size), shape);
        loaded.put(name, new Moments(m, v));
      }
    } catch (IOException | RuntimeException e) {
      loaded.values().forEach(ResumableAdam::closeMoments);
      throw e;
    }
    state.values().forEach(ResumableAdam::closeMoments);
    state.clear();
    state.putAll(loaded);
    steps = savedSteps;
  }

  private static float[] readFloats(DataInputStream data, int size) throws IOException {
    byte[] buf = new byte[Math.multiplyExact(size, 4)];
    data.readFully(buf);
    float[] values = new float[size];
    java.nio.ByteBuffer.wrap(buf).asFloatBuffer().get(values);
    return values;
  }

  private static void checkSame(String name, double mine, double saved) throws IOException {
    if (Double.compare(mine, saved) != 0) {
      throw new IOException(
          "ResumableAdam state was saved with " + name + " = " + saved + ", this optimiser has "
              + mine);
    }
  }

  private static void closeMoments(Moments mo) {
    if (mo.m() != null) {
      mo.m().close();
    }
    if (mo.v() != null) {
      mo.v().close();
    }
  }

  /** Frees the moment arrays and forgets the state (steps back to 0). */
  @Override
  public void close() {
    state.values().forEach(ResumableAdam::closeMoments);
    state.clear();
    steps = 0;
  }
}
