package org.sparkdistill.method.pmd;

import static org.apache.spark.sql.functions.col;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.kg.KgGraph;
import org.sparkdistill.kg.KgGraphStage;
import org.sparkdistill.kg.KgSchemas;
import org.sparkdistill.kg.RankingQueries;
import org.sparkdistill.spark.ModelFiles;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageWrite;
import org.sparkdistill.udfs.kgc.BiEncoder;
import org.sparkdistill.udfs.kgc.BiEncoderMeta;
import org.sparkdistill.udfs.kgc.BiEncoderOptions;
import org.sparkdistill.udfs.kgc.BiEncoderTrainer;
import org.sparkdistill.udfs.kgc.KgcExamples;
import org.sparkdistill.udfs.model.ModelFile;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizerSettings;
import org.sparkdistill.udfs.transformer.BertWeights;
import org.sparkdistill.udfs.transformer.FineTuneResult;

/**
 * {@code pmd-finetune}: the SimKGC bi-encoder teacher. Both encoders start from {@code
 * encoder.model}'s ONNX weights (all-MiniLM-L6-v2) and are fine-tuned on the training triples
 * ({@link BiEncoderTrainer}: InfoNCE over in-batch negatives and the self-negative, additive margin
 * {@code pmd.finetune.margin}, learnable τ from {@code pmd.finetune.temperature}), descriptions cut
 * at {@code pmd.maxLength} tokens. Every triple gives two pairs (forward, and inverse so only tails
 * are predicted); an in-batch answer that answers the query in training is masked, not pushed away.
 * The epoch with the lowest loss on the validation pairs is kept.
 *
 * <p><b>Where it runs:</b> on the driver, one thread holding libtorch's lock, as {@code
 * teacher.kind: finetune}: the training pairs (texts included) are collected to the driver, which
 * bounds the graph it can train on by driver memory (about 1 KB per pair; {@code
 * pmd.finetune.maxTriples} samples them). The data-parallel rounds of the student trainer do not
 * carry a bi-encoder yet.
 *
 * <p>Publishes {@code bi-encoder.params} (DJL parameter file: both encoders and τ, 181 MB for
 * all-MiniLM-L6-v2) and {@code bi-encoder.json} (shape, dropouts, max length, the final τ, the
 * encoder's and tokenizer's sha256, the training history); the manifest records both files' sha256
 * under {@code files}. Cost per step: 3·B encoder texts forward and backward, about 9·B forwards.
 */
public final class BiEncoderFineTuneStage extends Stage {
  private static final Logger LOG = LoggerFactory.getLogger(BiEncoderFineTuneStage.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String NAME = "pmd-finetune";

  /** The settings that shape the fine-tuned bi-encoder. */
  static final String[] SETTINGS = {
    "pmd.maxLength", "pmd.finetune.epochs", "pmd.finetune.batchSize", "pmd.finetune.learningRate", "pmd.finetune.weightDecay", "pmd.finetune.warmupFraction",
    "pmd.finetune.maxGradNorm", "pmd.finetune.patience", "pmd.finetune.margin", "pmd.finetune.temperature", "pmd.finetune.learnTemperature",
    "pmd.finetune.selfNegative", "pmd.finetune.symmetric", "pmd.finetune.maxTriples", "pmd.finetune.validationTriples", "pmd.finetune.hiddenDropout",
    "pmd.finetune.attentionDropout", "pmd.finetune.attentionHeads", "pmd.finetune.seed"
  };

  public BiEncoderFineTuneStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return "pmd-finetune: SimKGC bi-encoder teacher fine-tuned on the training triples (driver)";
  }

  @Override
  public StagePlan plan() {
    DistillConfig c = context.config();
    var conf = context.spark().sparkContext().hadoopConfiguration();
    return StagePlan.of(NAME)
        .input(KgGraphStage.NAME, input(KgGraphStage.NAME).fingerprint())
        .model("encoder", Fingerprints.sha256File("encoder model", c.encoder.modelFile(), conf))
        .model("tokenizer", Fingerprints.sha256File("encoder tokenizer", c.encoder.tokenizer, conf))
        .settings(c, SETTINGS);
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig c = context.config();
    DistillConfig.PmdFineTuneSettings f = c.pmd.finetune;
    TrainingPairs pairs = TrainingPairs.read(KgGraph.read(input(KgGraphStage.NAME)), f);
    SerializableConfiguration hadoop = ModelFiles.sessionConf();
    ModelFile encoderFile = ModelFiles.resolve("encoder.model", c.encoder.modelFile(), hadoop);
    ModelFile tokenizerFile = ModelFiles.resolve("encoder.tokenizer", c.encoder.tokenizer, hadoop);
    BertWeights weights = BertWeights.fromOnnx(encoderFile.localPath(), f.attentionHeads);
    BiEncoderOptions options = options(f);
    LOG.info("fine-tuning a bi-encoder of two {} encoders on {} train pairs ({} validation), batch {}, max length {}",
        weights.shape(), pairs.train().size(), pairs.valid().size(), f.batchSize, c.pmd.maxLength);
    try (NDManager manager = NDManager.newBaseManager(device(f), "PyTorch");
        TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile.localPath(), new TokenizerSettings(c.pmd.maxLength, true))) {
      BiEncoder model = BiEncoder.fromWeights(weights, manager, (float) f.hiddenDropout, (float) f.attentionDropout, f.temperature);
      FineTuneResult result = new BiEncoderTrainer(options).train(model, manager, tokenizer, pairs.train(), pairs.valid());
      return publish(output(), runDir, model, c, encoderFile, tokenizerFile, result, options, Map.of(), pairs);
    }
  }

  /** The driver device of {@code pmd.finetune.device}. */
  static Device device(DistillConfig.PmdFineTuneSettings f) {
    return org.sparkdistill.udfs.model.DeviceSelector.forDriver(f.device, "pmd.finetune.device");
  }

  /** The bi-encoder optimizer and loss settings of {@code pmd.finetune.*}, which the grades share. */
  static BiEncoderOptions options(DistillConfig.PmdFineTuneSettings f) {
    return new BiEncoderOptions(f.epochs, f.batchSize, f.learningRate, f.weightDecay, f.warmupFraction, f.maxGradNorm, f.patience, (float) f.margin, f.learnTemperature, f.selfNegative, f.symmetric, f.seed);
  }

  /**
   * Writes a trained bi-encoder's artifact under {@code runDir} ({@link BiEncoderMeta#PARAMS_FILE},
   * {@link BiEncoderMeta#META_FILE} with the training record and {@code extra}) and returns the
   * stage's record: pair counts, the validation figures, the parameter count and both files'
   * sha256 under {@code files}, which {@link TeacherRankingStage#spec} checks before loading.
   */
  static StageWrite publish(
      org.sparkdistill.io.StageOutput output, Path runDir, BiEncoder model, DistillConfig c, ModelFile encoderFile, ModelFile tokenizerFile,
      FineTuneResult result, BiEncoderOptions options, Map<String, Object> extra, TrainingPairs pairs) {
    DistillConfig.PmdFineTuneSettings f = c.pmd.finetune;
    long parameters = model.parameterCount();
    BiEncoderMeta meta = new BiEncoderMeta(BiEncoderMeta.FORMAT, model.shape(), (float) f.hiddenDropout, (float) f.attentionDropout, c.pmd.maxLength, model.temperature(), encoderFile.sha256(), tokenizerFile.sha256());
    try {
      try (OutputStream out = output.create(runDir, BiEncoderMeta.PARAMS_FILE)) {
        java.io.DataOutputStream data = new java.io.DataOutputStream(out);
        model.saveParameters(data);
        data.flush();
      }
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("meta", meta);
      doc.putAll(extra);
      doc.put("training", training(result, options));
      try (OutputStream out = output.create(runDir, BiEncoderMeta.META_FILE)) {
        JSON.writerWithDefaultPrettyPrinter().writeValue(out, doc);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the bi-encoder under " + runDir, e);
    }
    SerializableConfiguration hadoop = ModelFiles.sessionConf();
    Map<String, String> files = new LinkedHashMap<>();
    for (String name : List.of(BiEncoderMeta.META_FILE, BiEncoderMeta.PARAMS_FILE)) {
      files.put(name, Fingerprints.sha256File("bi-encoder " + name, new Path(runDir, name).toString(), hadoop.value()));
    }
    StageWrite write = StageWrite.of(Map.of("train", (long) pairs.train().size(), "valid", (long) pairs.valid().size()), 0)
        .metric("validationLoss", result.bestValidationLoss())
        .metric("validationInBatchHits", result.bestValidationAccuracy())
        .metric("temperature", meta.temperature())
        .metric("bestEpoch", result.bestEpoch())
        .metric("epochsRun", result.epochsRun())
        .metric("steps", result.steps())
        .metric("trainPairsPerSecond", result.trainExamplesPerSecond())
        .metric("parameters", parameters)
        .metric("layers", model.shape().layers())
        .metric("device", "driver " + model.queryEncoder().parameter("embeddings.word_embeddings.weight").getArray().getDevice())
        .metric("files", files);
    extra.forEach(write::metric);
    return write;
  }

  /** The training and validation pairs of {@code pmd.finetune.maxTriples} and {@code validationTriples}, on the driver. */
  record TrainingPairs(KgcExamples train, KgcExamples valid) {
    static TrainingPairs read(KgGraph graph, DistillConfig.PmdFineTuneSettings f) {
      Dataset<Row> train = sample(graph.split(KgSchemas.TRAIN), f.maxTriples, f.seed);
      Dataset<Row> valid = sample(graph.split(KgSchemas.VALID), f.validationTriples, f.seed + 1);
      Map<String, Set<String>> answers = answers(graph.split(KgSchemas.TRAIN));
      return new TrainingPairs(collect(PmdTexts.pairs(train, graph.entities()), answers, "train"), collect(PmdTexts.pairs(valid, graph.entities()), answers, "valid"));
    }
  }

  private static Map<String, Object> training(FineTuneResult result, BiEncoderOptions options) {
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("options", options);
    training.put("bestEpoch", result.bestEpoch());
    training.put("epochsRun", result.epochsRun());
    training.put("steps", result.steps());
    training.put("validationLoss", result.bestValidationLoss());
    training.put("validationInBatchHits", result.bestValidationAccuracy());
    training.put("trainPairsPerSecond", result.trainExamplesPerSecond());
    training.put("history", result.history());
    return training;
  }

  /** A seeded sample of {@code limit} triples (a hash order, independent of partitioning); all for 0. */
  private static Dataset<Row> sample(Dataset<Row> triples, int limit, long seed) {
    if (limit == 0) {
      return triples;
    }
    return triples.orderBy(functions.xxhash64(functions.lit(seed), col(KgSchemas.HEAD), col(KgSchemas.RELATION), col(KgSchemas.TAIL))).limit(limit);
  }

  private static Map<String, Set<String>> answers(Dataset<Row> train) {
    Map<String, Set<String>> out = new HashMap<>();
    for (Row r : PmdTexts.answers(train).collectAsList()) {
      out.put(r.getString(0), new HashSet<>(r.getList(1)));
    }
    return out;
  }

  /** The pairs on the driver, in a fixed order (query key, then target), so a rerun trains on the same sequence. */
  private static KgcExamples collect(Dataset<Row> pairs, Map<String, Set<String>> answers, String split) {
    List<Row> rows = pairs.orderBy(PmdTexts.QUERY_KEY, RankingQueries.TARGET).collectAsList();
    if (rows.isEmpty()) {
      throw new IllegalStateException("the " + split + " split of the knowledge graph has no triples: pmd-finetune needs " + split + " triples (check kg.split.* and kg.sampleEntities)");
    }
    List<String> keys = new ArrayList<>(rows.size());
    List<String> queryTexts = new ArrayList<>(rows.size());
    List<String> sources = new ArrayList<>(rows.size());
    List<String> sourceTexts = new ArrayList<>(rows.size());
    List<String> targets = new ArrayList<>(rows.size());
    List<String> targetTexts = new ArrayList<>(rows.size());
    for (Row r : rows) {
      keys.add(r.getAs(PmdTexts.QUERY_KEY));
      queryTexts.add(r.getAs(PmdTexts.QUERY_TEXT));
      sources.add(r.getAs(RankingQueries.SOURCE));
      sourceTexts.add(r.getAs(PmdTexts.SOURCE_TEXT));
      targets.add(r.getAs(RankingQueries.TARGET));
      targetTexts.add(r.getAs(PmdTexts.TARGET_TEXT));
    }
    return new KgcExamples(keys, queryTexts, sources, sourceTexts, targets, targetTexts, answers);
  }
}
