package org.sparkdistill.udfs.student;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The hashed n-gram embedding bag, the first {@link StudentArchitecture} ({@code ngram-bag}):
 * shape and tokenisation; immutable, serialisable and bound by Jackson as a record (its JSON form
 * is the {@code config} object of {@code student.json}).
 *
 * <p>Network: embedding table of {@code buckets + 1} rows × {@code embeddingDim} (row 0 is the
 * padding row), masked mean over a text's n-gram ids, dropout, then either {@code
 * Linear(C)} (hiddenDim = 0) or {@code Linear(hiddenDim) -> ReLU -> dropout -> Linear(C)}, where
 * C = {@code labels.size()}. See {@link #parameterCount()} for the exact size.
 *
 * <p>Knobs and cost: {@code buckets × embeddingDim} dominates memory (4 bytes per parameter,
 * 16 MiB for the defaults) and the per-step cost of a dense optimiser; forward cost per text is
 * about {@code ids × embeddingDim} for the bag plus {@code embeddingDim × C} (or {@code
 * embeddingDim × hiddenDim + hiddenDim × C}) for the head. {@code maxTokens} bounds the ids per
 * text and so the padded batch width.
 *
 * @param labels C ≥ 2 distinct, non-blank output names; index c is logit c (the class labels for
 *     plain KD; a method with wider targets names its outputs, e.g. pseudo-subclasses)
 * @param buckets hash buckets B ≥ 1; ids are in [1, B], 0 is padding
 * @param embeddingDim D ≥ 1
 * @param hiddenDim H ≥ 0; 0 means no hidden layer
 * @param dropout rate in [0, 1) applied to the pooled vector (and to the hidden activations)
 * @param maxNgram 1 (unigrams) or 2 (unigrams and bigrams)
 * @param maxTokens at most this many ids per text, ≥ 1
 * @param hashSeed seed of the n-gram hash; changing it changes every id
 */
public record StudentConfig(
    List<String> labels,
    int buckets,
    int embeddingDim,
    int hiddenDim,
    double dropout,
    int maxNgram,
    int maxTokens,
    long hashSeed)
    implements StudentArchitecture {

  private static final long serialVersionUID = 1L;

  /** The architecture's registered kind. */
  public static final String KIND = "ngram-bag";

  /** Validates every component; messages name the component, the rule and the bad value. */
  public StudentConfig {
    if (labels == null) {
      throw new IllegalArgumentException("labels must not be null");
    }
    if (labels.size() < 2) {
      throw new IllegalArgumentException(
          "labels must hold >= 2 classes, got " + labels.size() + ": " + labels);
    }
    Map<String, Integer> seen = new HashMap<>();
    List<String> copy = new ArrayList<>(labels.size());
    for (int c = 0; c < labels.size(); c++) {
      String label = labels.get(c);
      if (label == null || label.isBlank()) {
        throw new IllegalArgumentException(
            "labels[" + c + "] must be a non-blank string, got: "
                + (label == null ? "null" : "'" + label + "'"));
      }
      Integer previous = seen.putIfAbsent(label, c);
      if (previous != null) {
        throw new IllegalArgumentException(
            "labels must be distinct, got '" + label + "' at " + previous + " and " + c);
      }
      copy.add(label);
    }
    labels = List.copyOf(copy);
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be >= 1, got: " + buckets);
    }
    if (embeddingDim < 1) {
      throw new IllegalArgumentException("embeddingDim must be >= 1, got: " + embeddingDim);
    }
    if ((buckets + 1L) * embeddingDim > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "(buckets + 1) * embeddingDim must be <= " + Integer.MAX_VALUE + ", got ("
              + buckets + " + 1) * " + embeddingDim + " = " + (buckets + 1L) * embeddingDim);
    }
    if (hiddenDim < 0) {
      throw new IllegalArgumentException(
          "hiddenDim must be >= 0 (0 = no hidden layer), got: " + hiddenDim);
    }
    if (!(dropout >= 0.0 && dropout < 1.0)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got: " + dropout);
    }
    if (maxNgram != 1 && maxNgram != 2) {
      throw new IllegalArgumentException("maxNgram must be 1 or 2, got: " + maxNgram);
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be >= 1, got: " + maxTokens);
    }
  }

  /**
   * Defaults: 65,536 buckets, embeddingDim 64, no hidden layer, dropout 0.2, unigrams and
   * bigrams, at most 256 ids per text, hashSeed 17.
   */
  public static StudentConfig defaults(List<String> labels) {
    return new StudentConfig(labels, 65_536, 64, 0, 0.2, 2, 256, 17L);
  }

  /** Number of classes C. */
  public int numClasses() {
    return labels.size();
  }

  /**
   * The exact number of trainable parameters, with B = buckets, D = embeddingDim, H =
   * hiddenDim, C = labels.size():
   *
   * <ul>
   *   <li>H = 0: {@code (B + 1)·D + D·C + C}
   *   <li>H > 0: {@code (B + 1)·D + D·H + H + H·C + C}
   * </ul>
   *
   * The {@code + 1} is the padding row 0 of the embedding table (never read through the mask,
   * so it receives no gradient). Defaults with 20 labels: 65,537·64 + 64·20 + 20 = 4,195,668.
   */
  public long parameterCount() {
    long b = buckets;
    long d = embeddingDim;
    long h = hiddenDim;
    long c = labels.size();
    long embedding = (b + 1) * d;
    return h == 0 ? embedding + d * c + c : embedding + d * h + h + h * c + c;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public List<String> outputs() {
    return labels;
  }

  @Override
  public StudentFeaturizer featurizer() {
    return new NgramHasher(this);
  }

  @Override
  public ai.djl.nn.Block newBlock() {
    return new StudentBlock(this);
  }

  @Override
  public void initialize(ai.djl.nn.Block block, ai.djl.ndarray.NDManager manager, long seed) {
    ((StudentBlock) block).initialize(manager, seed);
  }

  @Override
  public ai.djl.ndarray.NDList inputs(List<int[]> features, ai.djl.ndarray.NDManager manager) {
    return StudentBatch.of(features).toNDList(manager);
  }

  @Override
  public Map<String, ai.djl.ndarray.types.Shape> parameterShapes() {
    Map<String, ai.djl.ndarray.types.Shape> shapes = new java.util.LinkedHashMap<>();
    shapes.put("embedding", new ai.djl.ndarray.types.Shape(buckets + 1L, embeddingDim));
    long in = embeddingDim;
    if (hiddenDim > 0) {
      shapes.put("hidden.weight", new ai.djl.ndarray.types.Shape(hiddenDim, in));
      shapes.put("hidden.bias", new ai.djl.ndarray.types.Shape(hiddenDim));
      in = hiddenDim;
    }
    shapes.put("output.weight", new ai.djl.ndarray.types.Shape(numClasses(), in));
    shapes.put("output.bias", new ai.djl.ndarray.types.Shape(numClasses()));
    return shapes;
  }

  @Override
  public com.fasterxml.jackson.databind.JsonNode toJson() {
    return NgramBagFactory.JSON.valueToTree(this);
  }
}
