package org.sparkdistill.udfs.student;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.sparkdistill.udfs.model.VerifiedModelFiles;
import org.sparkdistill.udfs.transformer.BertShape;
import org.sparkdistill.udfs.transformer.BertWeights;
import org.sparkdistill.udfs.transformer.FineTunedMeta;
import org.sparkdistill.udfs.transformer.FineTunedTeacher;
import org.sparkdistill.udfs.transformer.LayerMap;
import org.sparkdistill.udfs.transformer.SmallBertBlock;

/**
 * The transformer student ({@code student.architecture: transformer}): a k-layer BERT initialised
 * DistilBERT-style from chosen layers of the teacher's encoder (a {@link LayerMap}; embeddings
 * copied whole), mean pooling, dropout and a fresh linear head ({@link SmallBertBlock}); it reads
 * the teacher's WordPiece token ids ({@link WordPieceFeaturizer}), not hashed n-grams.
 *
 * <p>The teacher's weights are read from its ONNX file ({@code encoder.model}, the initializers
 * mapped by {@link BertWeights}) only when a new student is initialised on the driver; a loaded or
 * broadcast student never needs that file. Its sha256 is part of the architecture (and so of the
 * stage plan), and a file that changed since is refused. The tokenizer travels with the student:
 * {@link #files()} saves it as {@code tokenizer.json} beside {@code student.json}, whose config
 * records its sha256.
 *
 * <p>Learning rates ({@link #learningRate}): {@code learningRate} for the copied embeddings and
 * layers, {@code headLearningRate} for the fresh head, both rising linearly over {@code
 * warmupSteps} optimizer steps; {@code student.learningRate} is not used by this kind.
 *
 * <p>Size: the teacher's embeddings (30,522 × 384 + 512 × 384 + 2 × 384 + LayerNorm for
 * all-MiniLM-L6-v2: 11.9 M parameters) plus 1.77 M per layer plus the head (384·C + C). Cost per
 * text: k/6 of the teacher's forward (about 0.45 GFLOP per layer at 128 tokens), a training step
 * about 3×, plus an optimizer update and a gradient copy of every parameter per step.
 */
public final class TransformerStudent implements StudentArchitecture {
  private static final long serialVersionUID = 1L;

  /** The architecture's registered kind. */
  public static final String KIND = "transformer";
  /** {@link #teacherFormat()} of a student copied from an ONNX export's initializers. */
  public static final String FORMAT_ONNX = "onnx";
  /** {@link #teacherFormat()} of a student copied from a fine-tuned teacher's {@code finetuned.params}. */
  public static final String FORMAT_FINETUNED = "finetuned";
  /** The tokenizer's file name inside a saved student. */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  private final List<String> labels;
  private final LayerMap layerMap;
  private final int teacherLayers;
  private final BertShape shape;
  private final String teacherModel;
  private final String teacherModelSha256;
  /** {@value #FORMAT_ONNX} or {@value #FORMAT_FINETUNED}: what {@link #teacherModel} is. */
  private final String teacherFormat;
  /** For {@value #FORMAT_FINETUNED}, the artifact's description to load it with; null for ONNX and for a student read back. */
  private final FineTunedMeta fineTunedTeacher;
  private final WordPieceFeaturizer featurizer;
  private final float hiddenDropout;
  private final float attentionDropout;
  private final float headDropout;
  private final double learningRate;
  private final double headLearningRate;
  private final int warmupSteps;

  /**
   * @param labels C ≥ 2 distinct output names
   * @param layerMap the teacher layer of each student layer
   * @param teacherShape the teacher encoder's shape (checked against the map)
   * @param teacherModel the file the layers are copied from (local path), read by {@link #initialize}:
   *     the teacher's ONNX file, or a fine-tuned teacher's {@code finetuned.params}
   * @param teacherModelSha256 its sha256
   * @param teacherFormat {@value #FORMAT_ONNX} or {@value #FORMAT_FINETUNED}
   * @param fineTunedTeacher for {@value #FORMAT_FINETUNED}, the artifact's {@code finetuned.json}
   *     description (shape, dropouts) to load the file with; null for ONNX, and may be null for a
   *     student read back from its files, which never initialises again
   * @param featurizer the teacher's tokenizer at the student's maximum length
   * @param hiddenDropout dropout after the embeddings and on each layer's outputs, in [0, 1)
   * @param attentionDropout dropout on the attention probabilities, in [0, 1)
   * @param headDropout dropout on the pooled vector before the head, in [0, 1)
   * @param learningRate Adam rate of the copied embeddings and layers, > 0
   * @param headLearningRate Adam rate of the head, > 0
   * @param warmupSteps optimizer steps of linear warm-up, ≥ 0 (0: none)
   */
  public TransformerStudent(
      List<String> labels, LayerMap layerMap, BertShape teacherShape, String teacherModel, String teacherModelSha256, String teacherFormat, FineTunedMeta fineTunedTeacher, WordPieceFeaturizer featurizer,
      float hiddenDropout, float attentionDropout, float headDropout, double learningRate, double headLearningRate, int warmupSteps) {
    this.labels = checkLabels(labels);
    this.layerMap = Objects.requireNonNull(layerMap, "layerMap");
    layerMap.check(teacherShape.layers(), teacherModel);
    this.teacherLayers = teacherShape.layers();
    this.shape = layerMap.studentShape(teacherShape);
    this.teacherModel = Objects.requireNonNull(teacherModel, "teacherModel");
    this.teacherModelSha256 = Objects.requireNonNull(teacherModelSha256, "teacherModelSha256");
    if (!FORMAT_ONNX.equals(teacherFormat) && !FORMAT_FINETUNED.equals(teacherFormat)) {
      throw new IllegalArgumentException("the transformer student's teacher format must be " + FORMAT_ONNX + " or " + FORMAT_FINETUNED + ", got: " + teacherFormat);
    }
    if (FORMAT_ONNX.equals(teacherFormat) && fineTunedTeacher != null) {
      throw new IllegalArgumentException("an ONNX teacher file has no fine-tuned description: " + teacherModel);
    }
    this.teacherFormat = teacherFormat;
    if (fineTunedTeacher != null && !fineTunedTeacher.shape().equals(teacherShape)) {
      throw new IllegalArgumentException("the fine-tuned teacher " + teacherModel + " is described as " + fineTunedTeacher.shape() + ", not " + teacherShape);
    }
    this.fineTunedTeacher = fineTunedTeacher;
    this.featurizer = Objects.requireNonNull(featurizer, "featurizer");
    if (featurizer.maxLength() > shape.maxPositions()) {
      throw new IllegalArgumentException("student.transformer.maxLength must be <= the teacher's " + shape.maxPositions() + " positions, got: " + featurizer.maxLength());
    }
    for (float rate : new float[] {hiddenDropout, attentionDropout, headDropout}) {
      if (!(rate >= 0 && rate < 1)) {
        throw new IllegalArgumentException("student.transformer dropout rates must be in [0, 1), got hidden " + hiddenDropout + ", attention " + attentionDropout + ", head " + headDropout);
      }
    }
    if (!(learningRate > 0) || !(headLearningRate > 0) || !Double.isFinite(learningRate) || !Double.isFinite(headLearningRate)) {
      throw new IllegalArgumentException("student.transformer.learningRate and headLearningRate must be finite and > 0, got " + learningRate + " and " + headLearningRate);
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("student.transformer.warmupSteps must be >= 0, got: " + warmupSteps);
    }
    this.hiddenDropout = hiddenDropout;
    this.attentionDropout = attentionDropout;
    this.headDropout = headDropout;
    this.learningRate = learningRate;
    this.headLearningRate = headLearningRate;
    this.warmupSteps = warmupSteps;
  }

  private static List<String> checkLabels(List<String> labels) {
    if (labels == null || labels.size() < 2) {
      throw new IllegalArgumentException("the transformer student needs >= 2 outputs, got: " + labels);
    }
    if (new HashSet<>(labels).size() != labels.size() || labels.stream().anyMatch(l -> l == null || l.isBlank())) {
      throw new IllegalArgumentException("the transformer student's outputs must be distinct, non-blank names, got: " + labels);
    }
    return List.copyOf(labels);
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public List<String> outputs() {
    return labels;
  }

  public LayerMap layerMap() {
    return layerMap;
  }

  /** The student's shape (the teacher's with {@code layerMap.size()} layers). */
  public BertShape shape() {
    return shape;
  }

  public int teacherLayers() {
    return teacherLayers;
  }

  public String teacherModel() {
    return teacherModel;
  }

  public String teacherModelSha256() {
    return teacherModelSha256;
  }

  /** {@value #FORMAT_FINETUNED} when the layers come from a fine-tuned teacher's parameters, else {@value #FORMAT_ONNX}. */
  public String teacherFormat() {
    return teacherFormat;
  }

  public int maxLength() {
    return featurizer.maxLength();
  }

  @Override
  public WordPieceFeaturizer featurizer() {
    return featurizer;
  }

  @Override
  public Block newBlock() {
    return SmallBertBlock.empty(shape, labels.size(), hiddenDropout, attentionDropout, headDropout);
  }

  /**
   * Copies the mapped teacher layers and embeddings out of {@link #teacherModel()} (refused when its
   * sha256 is no longer {@link #teacherModelSha256()}): the ONNX file's initializers, or the
   * encoder of a fine-tuned teacher's parameters; draws the head from {@code seed} (a fine-tuned
   * teacher's head reads the L2-normalised pooled vector, the student's the raw one, so it is not
   * copied). Cost: one read of the file (about 90 MB for all-MiniLM-L6-v2) and its sha256.
   */
  @Override
  public void initialize(Block block, NDManager manager, long seed) {
    Path file = Path.of(teacherModel);
    String sha = VerifiedModelFiles.sha256(file);
    if (!sha.equals(teacherModelSha256)) {
      throw new IllegalStateException(
          "the transformer student starts from " + teacherModel + " with sha256 " + teacherModelSha256 + ", the file now has " + sha + ": rerun train-student with --overwrite");
    }
    BertWeights teacher;
    if (FORMAT_ONNX.equals(teacherFormat)) {
      teacher = BertWeights.fromOnnx(file, shape.heads());
    } else if (fineTunedTeacher == null) {
      throw new IllegalStateException("the transformer student read back from its files cannot initialise again from " + teacherModel);
    } else {
      try (FineTunedTeacher fineTuned = FineTunedTeacher.load(file, fineTunedTeacher, ai.djl.Device.cpu())) {
        teacher = BertWeights.fromEncoder(fineTuned.model().encoder());
      }
    }
    ((SmallBertBlock) block).fill(layerMap.apply(teacher, teacherModel), manager, seed);
  }

  /** {@code NDList(ids int64 [N, L], mask int64 [N, L])}, padded on the right to the longest text. */
  @Override
  public NDList inputs(List<int[]> features, NDManager manager) {
    int n = features.size();
    int width = 1;
    for (int[] f : features) {
      width = Math.max(width, f.length);
    }
    long[] ids = new long[n * width];
    long[] mask = new long[n * width];
    for (int i = 0; i < n; i++) {
      int[] f = features.get(i);
      for (int j = 0; j < f.length; j++) {
        ids[i * width + j] = f[j];
        mask[i * width + j] = 1;
      }
    }
    Shape s = new Shape(n, width);
    return new NDList(manager.create(ids, s), manager.create(mask, s));
  }

  @Override
  public Map<String, Shape> parameterShapes() {
    Map<String, Shape> out = new LinkedHashMap<>();
    for (Pair<String, Shape> p : SmallBertBlock.parameterShapes(shape, labels.size())) {
      out.put(p.getKey(), p.getValue());
    }
    return out;
  }

  /** Encoder ({@link BertShape#parameterCount()} of k layers) + head (hidden·C + C). */
  @Override
  public long parameterCount() {
    return shape.parameterCount() + (long) shape.hidden() * labels.size() + labels.size();
  }

  /** {@code headLearningRate} for the head, {@code learningRate} for the rest, times min(1, step / warmupSteps). */
  @Override
  public double learningRate(String parameter, double base, long step) {
    double rate = parameter.endsWith("head.weight") || parameter.endsWith("head.bias") ? headLearningRate : learningRate;
    return warmupSteps == 0 ? rate : rate * Math.min(1.0, (double) step / warmupSteps);
  }

  @Override
  public Map<String, byte[]> files() {
    return Map.of(TOKENIZER_FILE, featurizer.tokenizerJson());
  }

  @Override
  public JsonNode toJson() {
    ObjectMapper json = TransformerStudentFactory.JSON;
    ObjectNode o = json.createObjectNode();
    ArrayNode l = o.putArray("labels");
    labels.forEach(l::add);
    ArrayNode m = o.putArray("layers");
    for (int layer : layerMap.layers()) {
      m.add(layer);
    }
    o.put("teacherLayers", teacherLayers);
    o.set("shape", json.valueToTree(shape));
    o.put("teacherModel", teacherModel);
    o.put("teacherModelSha256", teacherModelSha256);
    o.put("teacherFormat", teacherFormat);
    o.put("tokenizerFile", TOKENIZER_FILE);
    o.put("tokenizerSha256", featurizer.sha256());
    o.put("maxLength", featurizer.maxLength());
    o.put("hiddenDropout", hiddenDropout);
    o.put("attentionDropout", attentionDropout);
    o.put("headDropout", headDropout);
    o.put("learningRate", learningRate);
    o.put("headLearningRate", headLearningRate);
    o.put("warmupSteps", warmupSteps);
    return o;
  }

  /** The teacher's shape this student was cut from (its own with the teacher's layer count). */
  BertShape teacherShape() {
    return new BertShape(shape.vocabSize(), shape.maxPositions(), shape.typeVocabSize(), shape.hidden(), teacherLayers, shape.heads(), shape.intermediate(), shape.layerNormEps());
  }

  float hiddenDropout() {
    return hiddenDropout;
  }

  float attentionDropout() {
    return attentionDropout;
  }

  float headDropout() {
    return headDropout;
  }

  double learningRateOfLayers() {
    return learningRate;
  }

  double headLearningRate() {
    return headLearningRate;
  }

  int warmupSteps() {
    return warmupSteps;
  }

  /**
   * Everything that shapes the student and its training (the stage plan's {@code student.network}):
   * files by sha256, not by path or bytes.
   */
  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "transformer(layers %s of the %d of the teacher encoder with sha256 %s%s, %s, maxLength %d, tokenizer sha256 %s, dropout hidden %s attention %s head %s, learningRate %s, headLearningRate %s, warmupSteps %d, outputs %s)",
        layerMap, teacherLayers, teacherModelSha256, FORMAT_FINETUNED.equals(teacherFormat) ? " (fine-tuned teacher parameters)" : "", shape, featurizer.maxLength(), featurizer.sha256(), hiddenDropout, attentionDropout, headDropout,
        learningRate, headLearningRate, warmupSteps, labels);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TransformerStudent t && t.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  /** The outputs' names as a new list (for tests). */
  List<String> labels() {
    return new ArrayList<>(labels);
  }
}
