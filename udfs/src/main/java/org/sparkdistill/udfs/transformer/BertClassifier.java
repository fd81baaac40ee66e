package org.sparkdistill.udfs.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.SplittableRandom;

/**
 * A fine-tunable text classifier: a {@link BertEncoder}, mean pooling, optional L2 normalisation
 * (as the project's ONNX encode writes its features), dropout at the {@link DropoutSite#HEAD} site
 * and one linear layer {@code head.weight} [hidden, C], {@code head.bias} [C].
 *
 * <p>Input {@code NDList(input_ids, attention_mask, token_type_ids)}, int64 [B, L]; output {@code
 * NDList(logits [B, C], features [B, hidden])}, where the features are the head's input before its
 * dropout (what the teacher cache stores). {@code forward(..., training=true)} turns libtorch's
 * dropout on at every site; {@link #forward(ParameterStore, NDArray, NDArray, NDArray, DropoutPolicy,
 * boolean)} takes any policy.
 */
public final class BertClassifier extends WeightBuiltBlock {
  private static final byte VERSION = 1;

  private final BertEncoder encoder;
  private final int classes;
  private final float headDropout;
  private final boolean normalize;
  private final Parameter headWeight;
  private final Parameter headBias;

  private BertClassifier(BertEncoder encoder, int classes, float headDropout, boolean normalize) {
    super(VERSION);
    if (classes < 2) {
      throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
    }
    if (!(headDropout >= 0 && headDropout < 1)) {
      throw new IllegalArgumentException("the head dropout must be in [0, 1), got " + headDropout);
    }
    this.encoder = addChildBlock("encoder", encoder);
    this.classes = classes;
    this.headDropout = headDropout;
    this.normalize = normalize;
    headWeight = addParameter(Parameter.builder().setName("head.weight").setType(Parameter.Type.WEIGHT).build());
    headBias = addParameter(Parameter.builder().setName("head.bias").setType(Parameter.Type.BIAS).build());
  }

  /**
   * A new classifier over {@code encoder} whose head is drawn from {@code seed} alone: weights
   * N(0, 0.02²) as BERT initialises its layers, bias zero.
   */
  public static BertClassifier create(BertEncoder encoder, int classes, float headDropout, boolean normalize, NDManager manager, long seed) {
    BertClassifier c = new BertClassifier(encoder, classes, headDropout, normalize);
    int hidden = encoder.shape().hidden();
    float[] w = new float[hidden * classes];
    SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (gaussian(random) * 0.02);
    }
    c.headWeight.setArray(manager.create(w, new Shape(hidden, classes)));
    c.headBias.setArray(manager.zeros(new Shape(classes)));
    return c;
  }

  /**
   * Replaces the head by {@code weight} ([C][hidden], row c holds class c's weights, as a linear
   * probe returns them) and {@code bias} [C]: logits = features · weightᵀ + bias.
   *
   * @throws IllegalArgumentException if the shapes differ from this classifier's
   */
  public void setHead(float[][] weight, float[] bias) {
    int hidden = encoder.shape().hidden();
    if (weight.length != classes || bias.length != classes) {
      throw new IllegalArgumentException("a head for " + classes + " classes needs " + classes + " weight rows and biases, got " + weight.length + " and " + bias.length);
    }
    float[] w = new float[hidden * classes];
    for (int c = 0; c < classes; c++) {
      if (weight[c].length != hidden) {
        throw new IllegalArgumentException("head weight row " + c + " has " + weight[c].length + " values, the encoder's features " + hidden);
      }
      for (int h = 0; h < hidden; h++) {
        w[h * classes + c] = weight[c][h];
      }
    }
    headWeight.getArray().set(w);
    headBias.getArray().set(bias.clone());
  }

  /** A classifier with every parameter unset, to be filled by {@link #loadParameters}. */
  public static BertClassifier empty(BertShape shape, int classes, float hiddenDropout, float attentionDropout, float headDropout, boolean normalize) {
    return new BertClassifier(BertEncoder.empty(shape, hiddenDropout, attentionDropout), classes, headDropout, normalize);
  }

  public BertEncoder encoder() {
    return encoder;
  }

  public int classes() {
    return classes;
  }

  public float headDropout() {
    return headDropout;
  }

  public boolean normalize() {
    return normalize;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    if (inputs.size() != 3) {
      throw new IllegalArgumentException("BertClassifier needs NDList(input_ids, attention_mask, token_type_ids), got " + inputs.size() + " arrays");
    }
    return forward(ps, inputs.get(0), inputs.get(1), inputs.get(2), training ? DropoutPolicy.ENGINE : DropoutPolicy.OFF, training);
  }

  /** The whole model under {@code dropout}: {@code NDList(logits, features)}. */
  public NDList forward(ParameterStore ps, NDArray ids, NDArray mask, NDArray types, DropoutPolicy dropout, boolean training) {
    NDArray hidden = encoder.hidden(ps, ids, mask, types, encoder.shape().layers(), dropout, training);
    return fromHidden(ps, hidden, mask, dropout, training);
  }

  /** Pooling, normalisation and the head over the last hidden states: {@code NDList(logits, features)}. */
  public NDList fromHidden(ParameterStore ps, NDArray hidden, NDArray mask, DropoutPolicy dropout, boolean training) {
    NDArray pooled = BertEncoder.meanPool(hidden, mask);
    NDArray features = normalize ? BertEncoder.l2Normalize(pooled) : pooled;
    NDArray x = dropout.apply(features, DropoutSite.HEAD, -1, headDropout);
    NDArray logits = x.matMul(ps.getValue(headWeight, x.getDevice(), training)).add(ps.getValue(headBias, x.getDevice(), training));
    return new NDList(logits, features);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long batch = inputShapes[0].get(0);
    return new Shape[] {new Shape(batch, classes), new Shape(batch, encoder.shape().hidden())};
  }

  /** Parameters: the encoder's plus the head's. */
  public long parameterCount() {
    return encoder.shape().parameterCount() + (long) encoder.shape().hidden() * classes + classes;
  }

  private static double gaussian(SplittableRandom random) {
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
