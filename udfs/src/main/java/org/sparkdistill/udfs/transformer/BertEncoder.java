package org.sparkdistill.udfs.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sparkdistill.udfs.train.TorchScalars;

/**
 * A BERT encoder (post-LayerNorm, as Hugging Face's {@code BertModel}) as a DJL block the PyTorch
 * engine can run and train, with mean pooling over the attention mask: embeddings (word + position
 * + token type, LayerNorm, dropout), then per layer self-attention (Q, K, V projections, softmax of
 * QKᵀ/√d plus the mask bias, dropout on the probabilities, output projection, dropout, residual,
 * LayerNorm) and a feed-forward block (dense, exact GELU, dense, dropout, residual, LayerNorm).
 *
 * <p>Parameters are named as in Hugging Face ({@link BertWeights#names}); the dense weights are
 * [in, out] (x·W). Build it from weights ({@link #fromWeights}) or empty ({@link #empty}) and fill
 * it with {@link #loadParameters}. Input {@code NDList(input_ids, attention_mask, token_type_ids)},
 * int64 [B, L]; output {@code NDList(pooled [B, hidden])} (not normalised). Dropout follows a
 * {@link DropoutPolicy}: {@link DropoutPolicy#ENGINE} when {@code forward(..., training=true)},
 * none otherwise; {@link #hidden} and {@link #layer} take any policy (Monte-Carlo scoring).
 *
 * <p>Cost: about 2·L·(12·hidden² + 2·L·hidden) multiply-adds per text and layer, i.e. about 2.7
 * GFLOP for a 128-token text through all-MiniLM-L6-v2; a training step about 3× that. Memory: 4
 * bytes per parameter (90 MB for all-MiniLM-L6-v2), and 3 more per parameter for AdamW in training.
 */
public final class BertEncoder extends WeightBuiltBlock {
  private static final byte VERSION = 1;
  private static final float MASKED = -1e9f;

  private final BertShape shape;
  private final float hiddenDropout;
  private final float attentionDropout;
  private final Map<String, Parameter> byName = new LinkedHashMap<>();

  private BertEncoder(BertShape shape, float hiddenDropout, float attentionDropout) {
    super(VERSION);
    this.shape = Objects.requireNonNull(shape, "shape");
    if (!(hiddenDropout >= 0 && hiddenDropout < 1) || !(attentionDropout >= 0 && attentionDropout < 1)) {
      throw new IllegalArgumentException("dropout rates must be in [0, 1), got hidden " + hiddenDropout + " and attention " + attentionDropout);
    }
    this.hiddenDropout = hiddenDropout;
    this.attentionDropout = attentionDropout;
    for (String name : BertWeights.names(shape.layers())) {
      Parameter.Type type = name.endsWith(".bias") ? Parameter.Type.BIAS : name.contains("LayerNorm") ? Parameter.Type.GAMMA : Parameter.Type.WEIGHT;
      byName.put(name, addParameter(Parameter.builder().setName(name).setType(type).build()));
    }
  }

  /** An encoder with every parameter unset, to be filled by {@link #loadParameters}. */
  public static BertEncoder empty(BertShape shape, float hiddenDropout, float attentionDropout) {
    return new BertEncoder(shape, hiddenDropout, attentionDropout);
  }

  /** An encoder holding {@code weights}, its arrays created on {@code manager}. */
  public static BertEncoder fromWeights(BertWeights weights, NDManager manager, float hiddenDropout, float attentionDropout) {
    BertEncoder encoder = new BertEncoder(weights.shape(), hiddenDropout, attentionDropout);
    for (Map.Entry<String, Parameter> e : encoder.byName.entrySet()) {
      var t = weights.tensors().get(e.getKey());
      e.getValue().setArray(manager.create(t.values(), new Shape(t.dims())));
    }
    return encoder;
  }

  public BertShape shape() {
    return shape;
  }

  public float hiddenDropout() {
    return hiddenDropout;
  }

  public float attentionDropout() {
    return attentionDropout;
  }

  /** The parameter {@code name} ({@link BertWeights#names}). */
  public Parameter parameter(String name) {
    Parameter p = byName.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no BERT parameter " + name);
    }
    return p;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    if (inputs.size() != 3) {
      throw new IllegalArgumentException("BertEncoder needs NDList(input_ids, attention_mask, token_type_ids), got " + inputs.size() + " arrays");
    }
    DropoutPolicy dropout = training ? DropoutPolicy.ENGINE : DropoutPolicy.OFF;
    NDArray mask = inputs.get(1);
    NDArray hidden = hidden(ps, inputs.get(0), mask, inputs.get(2), shape.layers(), dropout, training);
    return new NDList(meanPool(hidden, mask));
  }

  /** The embeddings and layers [0, {@code to}): hidden states [B, L, hidden]. */
  public NDArray hidden(ParameterStore ps, NDArray ids, NDArray mask, NDArray types, int to, DropoutPolicy dropout, boolean training) {
    NDArray x = embed(ps, ids, types, dropout, training);
    return layers(ps, x, mask, 0, to, dropout, training);
  }

  /** Runs layers [{@code from}, {@code to}) over hidden states {@code x} [B, L, hidden]. */
  public NDArray layers(ParameterStore ps, NDArray x, NDArray mask, int from, int to, DropoutPolicy dropout, boolean training) {
    if (from < 0 || to > shape.layers() || from > to) {
      throw new IllegalArgumentException("layers [" + from + ", " + to + ") outside the encoder's " + shape.layers());
    }
    NDArray bias = maskBias(mask);
    for (int i = from; i < to; i++) {
      x = layer(ps, i, x, bias, dropout, training);
    }
    return x;
  }

  /** Word + position + token-type embeddings, LayerNorm, dropout: [B, L, hidden]. */
  public NDArray embed(ParameterStore ps, NDArray ids, NDArray types, DropoutPolicy dropout, boolean training) {
    long length = ids.getShape().get(1);
    if (length > shape.maxPositions()) {
      throw new IllegalArgumentException("a batch of length " + length + " exceeds the encoder's " + shape.maxPositions() + " positions");
    }
    NDArray words = Embedding.embedding(int64(ids), value(ps, "embeddings.word_embeddings.weight", ids, training), SparseFormat.DENSE).singletonOrThrow();
    NDArray positions = value(ps, "embeddings.position_embeddings.weight", ids, training).get(new NDIndex("0:" + length));
    NDArray typeVectors = Embedding.embedding(int64(types), value(ps, "embeddings.token_type_embeddings.weight", ids, training), SparseFormat.DENSE).singletonOrThrow();
    NDArray x = words.add(positions).add(typeVectors);
    x = layerNorm(ps, "embeddings.LayerNorm", x, training);
    return dropout.apply(x, DropoutSite.EMBEDDINGS, -1, hiddenDropout);
  }

  /** One encoder layer over {@code x} [B, L, hidden]; {@code maskBias} from {@link #maskBias}. */
  public NDArray layer(ParameterStore ps, int i, NDArray x, NDArray maskBias, DropoutPolicy dropout, boolean training) {
    String p = "encoder.layer." + i + ".";
    Shape s = x.getShape();
    long batch = s.get(0);
    long length = s.get(1);
    int heads = shape.heads();
    int size = shape.headSize();
    NDArray q = heads(dense(ps, p + "attention.self.query", x, training), batch, length, heads, size);
    NDArray k = heads(dense(ps, p + "attention.self.key", x, training), batch, length, heads, size);
    NDArray v = heads(dense(ps, p + "attention.self.value", x, training), batch, length, heads, size);
    NDArray products = q.matMul(k.transpose(0, 1, 3, 2));
    NDArray scores = products.div(TorchScalars.of(products, Math.sqrt(size))).add(maskBias);
    NDArray probs = dropout.apply(scores.softmax(-1), DropoutSite.ATTENTION_PROBS, i, attentionDropout);
    NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(batch, length, shape.hidden());
    NDArray attention = dropout.apply(dense(ps, p + "attention.output.dense", context, training), DropoutSite.ATTENTION_OUTPUT, i, hiddenDropout);
    NDArray h = layerNorm(ps, p + "attention.output.LayerNorm", attention.add(x), training);
    NDArray inner = gelu(dense(ps, p + "intermediate.dense", h, training));
    NDArray out = dropout.apply(dense(ps, p + "output.dense", inner, training), DropoutSite.FFN_OUTPUT, i, hiddenDropout);
    return layerNorm(ps, p + "output.LayerNorm", out.add(h), training);
  }

  /** The additive attention bias [B, 1, 1, L]: 0 on tokens, -1e9 on padding. */
  public static NDArray maskBias(NDArray mask) {
    NDArray m = mask.toType(DataType.FLOAT32, false);
    return m.sub(TorchScalars.of(m, 1)).mul(TorchScalars.of(m, -MASKED)).expandDims(1).expandDims(1);
  }

  /** Mean of {@code hidden} [B, L, H] over the tokens where {@code mask} [B, L] is 1: [B, H]. */
  public static NDArray meanPool(NDArray hidden, NDArray mask) {
    NDArray m = mask.toType(DataType.FLOAT32, false);
    NDArray sum = hidden.mul(m.expandDims(2)).sum(new int[] {1});
    NDArray count = m.sum(new int[] {1}, true);
    return sum.div(count.maximum(TorchScalars.of(count, 1e-9)));
  }

  /** {@code x} / max(‖x‖₂, 1e-12) per row. */
  public static NDArray l2Normalize(NDArray x) {
    NDArray norm = x.square().sum(new int[] {1}, true).sqrt();
    return x.div(norm.maximum(TorchScalars.of(norm, 1e-12)));
  }

  /**
   * The exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)), as BERT and its ONNX export compute it: libtorch's
   * fused {@code gelu} (approximate = none), one pass instead of the four element-wise passes of the
   * formula (which took 40% of a forward here).
   */
  public static NDArray gelu(NDArray x) {
    return x.getNDArrayInternal().gelu();
  }

  private NDArray dense(ParameterStore ps, String name, NDArray x, boolean training) {
    return x.matMul(value(ps, name + ".weight", x, training)).add(value(ps, name + ".bias", x, training));
  }

  private NDArray layerNorm(ParameterStore ps, String name, NDArray x, boolean training) {
    NDArray gamma = value(ps, name + ".weight", x, training);
    NDArray beta = value(ps, name + ".bias", x, training);
    return x.getNDArrayInternal().layerNorm(x, new Shape(shape.hidden()), gamma, beta, shape.layerNormEps()).singletonOrThrow();
  }

  private static NDArray heads(NDArray x, long batch, long length, int heads, int size) {
    return x.reshape(batch, length, heads, size).transpose(0, 2, 1, 3);
  }

  private NDArray value(ParameterStore ps, String name, NDArray like, boolean training) {
    return ps.getValue(parameter(name), like.getDevice(), training);
  }

  private static NDArray int64(NDArray ids) {
    return ids.getDataType() == DataType.INT64 ? ids : ids.toType(DataType.INT64, false);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), shape.hidden())};
  }

  /** Parameter names in block order, for optimisers and tests. */
  public List<String> parameterNames() {
    return new ArrayList<>(byName.keySet());
  }
}
