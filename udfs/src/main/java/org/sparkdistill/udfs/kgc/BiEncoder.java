package org.sparkdistill.udfs.kgc;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.sparkdistill.udfs.transformer.BertEncoder;
import org.sparkdistill.udfs.transformer.BertShape;
import org.sparkdistill.udfs.transformer.BertWeights;
import org.sparkdistill.udfs.transformer.WeightBuiltBlock;

/**
 * SimKGC's bi-encoder as one DJL block: a query encoder reading "relation: source entity text", an
 * entity encoder reading an entity's text, both BERT encoders with mean pooling over the attention
 * mask and L2 normalisation, and a learnable log inverse temperature {@code log_inv_t} (τ =
 * exp(−log_inv_t), SimKGC starts at τ = 0.05). Both encoders start from the same pretrained
 * weights and are trained apart. The score of entity e for query q is q·e (cosine).
 *
 * <p>Input {@code NDList(query ids, mask, types, entity ids, mask, types)}; output {@code NDList(q
 * [B, d], e [B, d])}. {@link #queries} and {@link #entities} run one side. Memory: twice the
 * encoder's parameters (181 MB for all-MiniLM-L6-v2) plus AdamW's state in training.
 */
public final class BiEncoder extends WeightBuiltBlock {
  private static final byte VERSION = 1;
  public static final String QUERY = "query";
  public static final String ENTITY = "entity";
  public static final String LOG_INVERSE_TEMPERATURE = "log_inv_t";

  private final BertEncoder query;
  private final BertEncoder entity;
  private final Parameter logInverseTemperature;

  private BiEncoder(BertEncoder query, BertEncoder entity) {
    super(VERSION);
    this.query = addChildBlock(QUERY, query);
    this.entity = addChildBlock(ENTITY, entity);
    this.logInverseTemperature = addParameter(Parameter.builder().setName(LOG_INVERSE_TEMPERATURE).setType(Parameter.Type.OTHER).build());
  }

  /**
   * Both encoders from {@code weights} (two copies, on {@code manager}) and τ = {@code temperature}.
   *
   * @throws IllegalArgumentException when the temperature is not in (0, 1]
   */
  public static BiEncoder fromWeights(BertWeights weights, NDManager manager, float hiddenDropout, float attentionDropout, double temperature) {
    return fromWeights(weights, weights, manager, hiddenDropout, attentionDropout, temperature);
  }

  /**
   * A bi-encoder whose query and entity encoders start from different weights (a PMD grade
   * initialised from the grade above: each side from its own side), τ = {@code temperature}.
   */
  public static BiEncoder fromWeights(BertWeights queryWeights, BertWeights entityWeights, NDManager manager, float hiddenDropout, float attentionDropout, double temperature) {
    if (!(temperature > 0 && temperature <= 1)) {
      throw new IllegalArgumentException("the bi-encoder's temperature must be in (0, 1], got " + temperature);
    }
    BiEncoder b = new BiEncoder(BertEncoder.fromWeights(queryWeights, manager, hiddenDropout, attentionDropout), BertEncoder.fromWeights(entityWeights, manager, hiddenDropout, attentionDropout));
    b.logInverseTemperature.setArray(manager.create(new float[] {(float) Math.log(1 / temperature)}, new Shape(1)));
    return b;
  }

  /** A bi-encoder with every parameter unset, to be filled by {@link #loadParameters}. */
  public static BiEncoder empty(BertShape shape, float hiddenDropout, float attentionDropout) {
    return new BiEncoder(BertEncoder.empty(shape, hiddenDropout, attentionDropout), BertEncoder.empty(shape, hiddenDropout, attentionDropout));
  }

  public BertEncoder queryEncoder() {
    return query;
  }

  public BertEncoder entityEncoder() {
    return entity;
  }

  public BertShape shape() {
    return query.shape();
  }

  /** The current τ. */
  public double temperature() {
    return Math.exp(-logInverseTemperature.getArray().getFloat());
  }

  /** log(1/τ) as the training graph sees it. */
  public NDArray logInverseTemperature(ParameterStore ps, NDArray like, boolean training) {
    return ps.getValue(logInverseTemperature, like.getDevice(), training);
  }

  /** Unit query vectors [B, d] of {@code NDList(ids, mask, types)}. */
  public NDArray queries(ParameterStore ps, NDList inputs, boolean training) {
    return BertEncoder.l2Normalize(query.forward(ps, inputs, training).singletonOrThrow());
  }

  /** Unit entity vectors [B, d] of {@code NDList(ids, mask, types)}. */
  public NDArray entities(ParameterStore ps, NDList inputs, boolean training) {
    return BertEncoder.l2Normalize(entity.forward(ps, inputs, training).singletonOrThrow());
  }

  /**
   * One side's unit vectors and PMD's masked features in one forward: {@code vectors} is the
   * L2-normalised mean of the last layer over the attention mask (what {@link #queries} and {@link
   * #entities} return), {@code features} the L2-normalised mean over {@code positions} [B, L] (1 at
   * the masked tokens; a row without any gets a zero vector, so it adds nothing to a feature loss).
   */
  public Encoded encode(ParameterStore ps, boolean querySide, NDList inputs, NDArray positions, boolean training) {
    BertEncoder encoder = querySide ? query : entity;
    NDArray mask = inputs.get(1);
    NDArray hidden = encoder.hidden(ps, inputs.get(0), mask, inputs.get(2), encoder.shape().layers(), training ? org.sparkdistill.udfs.transformer.DropoutPolicy.ENGINE : org.sparkdistill.udfs.transformer.DropoutPolicy.OFF, training);
    return new Encoded(BertEncoder.l2Normalize(BertEncoder.meanPool(hidden, mask)), unitOrZero(BertEncoder.meanPool(hidden, positions)));
  }

  /**
   * x / sqrt(‖x‖² + 1e-12) per row: a unit vector for any row of real features, 0 for a zero row,
   * with finite gradients at 0 (where {@link BertEncoder#l2Normalize}'s square root has none).
   */
  static NDArray unitOrZero(NDArray x) {
    NDArray squares = x.square().sum(new int[] {1}, true);
    return x.div(squares.add(org.sparkdistill.udfs.train.TorchScalars.of(squares, 1e-12)).sqrt());
  }

  /** Unit vectors [B, d] and masked features [B, d] of one side ({@link #encode}). */
  public record Encoded(NDArray vectors, NDArray features) {}

  /** Every parameter, both encoders and the temperature: 2·encoder + 1. */
  public long parameterCount() {
    return 2 * shape().parameterCount() + 1;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    if (inputs.size() != 6) {
      throw new IllegalArgumentException("BiEncoder needs NDList(query ids, mask, types, entity ids, mask, types), got " + inputs.size() + " arrays");
    }
    return new NDList(queries(ps, new NDList(inputs.get(0), inputs.get(1), inputs.get(2)), training), entities(ps, new NDList(inputs.get(3), inputs.get(4), inputs.get(5)), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), shape().hidden()), new Shape(inputShapes[3].get(0), shape().hidden())};
  }
}
