package org.sparkdistill.udfs.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The network of the transformer student: a {@link BertClassifier} (a k-layer {@link BertEncoder},
 * mean pooling over the attention mask, dropout, one linear head; no L2 normalisation) that takes
 * what a student architecture gives it, {@code NDList(ids int64 [N, L], mask int64 [N, L])}, and
 * returns {@code NDList(logits [N, C])} only, as the training step and {@code StudentModel} expect.
 * Token-type ids are all 0 (single texts). Dropout at every BERT site and the head follows {@code
 * forward(..., training)} (libtorch's generator, seeded by the training loops).
 *
 * <p>Parameters, in block order: {@code head.weight} [hidden, C], {@code head.bias} [C], then the
 * encoder's ({@link BertWeights#names} of k layers) under DJL's child prefix {@code 01encoder_}.
 * Built empty ({@link #empty}) and filled either from weights ({@link #fill}) or from a saved
 * parameter file ({@code loadParameters}).
 *
 * <p>Cost per text: about 2·L·(12·hidden² + 2·L·hidden) multiply-adds per layer (k/6 of
 * all-MiniLM-L6-v2's forward), training about 3× that; memory 4 bytes per parameter, the word
 * embeddings (30,522 × 384 = 11.7 M) being the largest part at any k.
 */
public final class SmallBertBlock extends WeightBuiltBlock {
  private static final byte VERSION = 1;

  private final BertClassifier classifier;

  private SmallBertBlock(BertClassifier classifier) {
    super(VERSION);
    this.classifier = addChildBlock("classifier", classifier);
  }

  /** A block with every parameter unset. */
  public static SmallBertBlock empty(BertShape shape, int classes, float hiddenDropout, float attentionDropout, float headDropout) {
    return new SmallBertBlock(BertClassifier.empty(shape, classes, hiddenDropout, attentionDropout, headDropout, false));
  }

  public BertClassifier classifier() {
    return classifier;
  }

  /**
   * Sets every parameter on {@code manager}: the encoder's from {@code weights} (names and dims must
   * be the block's), the head's weight N(0, 0.02²) from {@code seed} alone (BERT's initialisation)
   * and its bias 0. Every parameter then requires gradients.
   */
  public void fill(BertWeights weights, NDManager manager, long seed) {
    if (!weights.shape().equals(classifier.encoder().shape())) {
      throw new IllegalArgumentException("weights of shape " + weights.shape() + " for a student of shape " + classifier.encoder().shape());
    }
    BertEncoder encoder = classifier.encoder();
    for (String name : encoder.parameterNames()) {
      var t = weights.tensors().get(name);
      encoder.parameter(name).setArray(manager.create(t.values(), new Shape(t.dims())));
    }
    int hidden = encoder.shape().hidden();
    int classes = classifier.classes();
    float[] w = new float[hidden * classes];
    SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    for (int i = 0; i < w.length; i++) {
      double u1 = 1.0 - random.nextDouble();
      double u2 = random.nextDouble();
      w[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2) * 0.02);
    }
    for (Pair<String, Parameter> p : classifier.getDirectParameters()) {
      if (p.getKey().equals("head.weight")) {
        p.getValue().setArray(manager.create(w, new Shape(hidden, classes)));
      } else if (p.getKey().equals("head.bias")) {
        p.getValue().setArray(manager.zeros(new Shape(classes)));
      }
    }
    for (Pair<String, Parameter> p : getParameters()) {
      p.getValue().getArray().setRequiresGradient(true);
    }
  }

  /** Parameter names and shapes in block order (what {@link #getParameters()} lists once filled). */
  public static List<Pair<String, Shape>> parameterShapes(BertShape shape, int classes) {
    List<Pair<String, Shape>> out = new ArrayList<>();
    String prefix = "01classifier_";
    out.add(new Pair<>(prefix + "head.weight", new Shape(shape.hidden(), classes)));
    out.add(new Pair<>(prefix + "head.bias", new Shape(classes)));
    for (String name : BertWeights.names(shape.layers())) {
      out.add(new Pair<>(prefix + "01encoder_" + name, new Shape(BertWeights.expectedDims(name, shape))));
    }
    return out;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    if (inputs.size() != 2) {
      throw new IllegalArgumentException("the transformer student needs NDList(ids [N, L], mask [N, L]), got " + inputs.size() + " arrays");
    }
    NDArray ids = inputs.get(0);
    NDArray types = ids.zerosLike().toType(DataType.INT64, false);
    DropoutPolicy dropout = training ? DropoutPolicy.ENGINE : DropoutPolicy.OFF;
    return new NDList(classifier.forward(ps, ids, inputs.get(1), types, dropout, training).get(0));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), classifier.classes())};
  }
}
