package org.sparkdistill.udfs.student;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Objects;
import org.sparkdistill.udfs.train.TorchScalars;

/**
 * The student network as a DJL block.
 *
 * <p>Input {@code NDList(ids, mask)}: ids int32 (or int64) [N, L], 0 = padding, others in [1,
 * buckets]; mask float32 [N, L], 1 for real ids, 0 for padding. Forward: embedding lookup [N, L,
 * D]; masked mean over L (sum of masked rows / max(1, mask count), so a row without ids gives
 * a zero vector); dropout; if hiddenDim > 0: Linear(H) → ReLU → dropout; Linear(C). Output
 * {@code NDList(logits [N, C])}. Dropout is active only when {@code forward(..., training =
 * true, ...)}.
 *
 * <p>Parameters (names as in {@link #getParameters()}): {@code embedding} [(buckets + 1), D],
 * then the Linear layers' {@code weight} [out, in] and {@code bias} [out]; count in {@link
 * StudentConfig#parameterCount()}. Cost per batch: an [N, L, D] gather and mean plus the
 * Linear layers; the embedding's gradient is dense ([(buckets + 1), D]).
 *
 * <p>Use {@link #initialize(NDManager, long)} for seeded, reproducible initial values (DJL's
 * {@code initialize(manager, dataType, shapes)} works too, with DJL's default initialisers
 * drawing from libtorch's process-wide generator).
 */
public final class StudentBlock extends AbstractBlock {

  private static final byte VERSION = 1;

  private final StudentConfig config;
  private final Parameter embedding;
  private final Dropout inputDropout;
  private final Linear hidden;
  private final Dropout hiddenDropout;
  private final Linear output;

  public StudentBlock(StudentConfig config) {
    super(VERSION);
    this.config = Objects.requireNonNull(config, "config must not be null");
    embedding =
        addParameter(
            Parameter.builder()
                .setName("embedding")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.buckets() + 1L, config.embeddingDim()))
                .build());
    inputDropout =
        addChildBlock("inputDropout", Dropout.builder().optRate((float) config.dropout()).build());
    if (config.hiddenDim() > 0) {
      hidden = addChildBlock("hidden", Linear.builder().setUnits(config.hiddenDim()).build());
      hiddenDropout =
          addChildBlock(
              "hiddenDropout", Dropout.builder().optRate((float) config.dropout()).build());
    } else {
      hidden = null;
      hiddenDropout = null;
    }
    output = addChildBlock("output", Linear.builder().setUnits(config.numClasses()).build());
  }

  public StudentConfig config() {
    return config;
  }

  /**
   * Allocates and fills every parameter on {@code manager} from {@code initSeed} alone
   * (deterministic, independent of libtorch's generator): embedding U(±√(3/D)) with the padding
   * row zero, Linear weights U(±1/√fanIn), biases zero. Parameters require gradients afterwards.
   * Cost: one pass over (buckets + 1)·D floats in Java plus a copy to native memory.
   */
  public void initialize(NDManager manager, long initSeed) {
    getParameters()
        .forEach(
            pair -> {
              Parameter p = pair.getValue();
              SeededInitializer.Kind kind =
                  p == embedding
                      ? SeededInitializer.Kind.EMBEDDING
                      : p.getType() == Parameter.Type.WEIGHT
                          ? SeededInitializer.Kind.LINEAR_WEIGHT
                          : SeededInitializer.Kind.ZEROS;
              p.setInitializer(new SeededInitializer(initSeed, pair.getKey(), kind));
            });
    initialize(manager, DataType.FLOAT32, inputShape(), inputShape());
  }

  private Shape inputShape() {
    return new Shape(1, config.maxTokens());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    if (inputs.size() != 2) {
      throw new IllegalArgumentException(
          "StudentBlock needs NDList(ids [N, L], mask [N, L]), got " + inputs.size() + " arrays");
    }
    NDArray ids = inputs.get(0);
    NDArray mask = inputs.get(1);
    if (ids.getShape().dimension() != 2 || !ids.getShape().equals(mask.getShape())) {
      throw new IllegalArgumentException(
          "ids and mask must both be [N, L], got ids " + ids.getShape() + " and mask "
              + mask.getShape());
    }
    NDArray table = ps.getValue(embedding, ids.getDevice(), training);
    NDArray index = ids.getDataType() == DataType.INT64 ? ids : ids.toType(DataType.INT64, false);
    NDArray vectors = Embedding.embedding(index, table, SparseFormat.DENSE).singletonOrThrow();
    NDArray m = mask.toType(DataType.FLOAT32, false);
    NDArray summed = vectors.mul(m.expandDims(2)).sum(new int[] {1});
    NDArray counted = m.sum(new int[] {1}, true);
    NDArray count = counted.maximum(TorchScalars.of(counted, 1));
    NDArray pooled = summed.div(count);
    NDList x = inputDropout.forward(ps, new NDList(pooled), training, params);
    if (hidden != null) {
      x = hidden.forward(ps, x, training, params);
      x = new NDList(Activation.relu(x.singletonOrThrow()));
      x = hiddenDropout.forward(ps, x, training, params);
    }
    return output.forward(ps, x, training, params);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), config.numClasses())};
  }

  @Override
  protected void initializeChildBlocks(
      NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape pooled = new Shape(inputShapes[0].get(0), config.embeddingDim());
    inputDropout.initialize(manager, dataType, pooled);
    Shape x = pooled;
    if (hidden != null) {
      hidden.initialize(manager, dataType, x);
      x = hidden.getOutputShapes(new Shape[] {x})[0];
      hiddenDropout.initialize(manager, dataType, x);
    }
    output.initialize(manager, dataType, x);
  }
}
