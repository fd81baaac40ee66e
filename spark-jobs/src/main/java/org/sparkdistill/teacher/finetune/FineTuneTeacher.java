package org.sparkdistill.teacher.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.EncoderPrecision;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.spark.ModelFiles;
import org.sparkdistill.stage.StageInput;
import org.sparkdistill.stage.StageWrite;
import org.sparkdistill.teacher.HeadTrainer;
import org.sparkdistill.teacher.TrainedHead;
import org.sparkdistill.udfs.inference.FineTunedScorePartitions;
import org.sparkdistill.udfs.model.ModelFile;
import org.sparkdistill.udfs.model.Pooling;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizerSettings;
import org.sparkdistill.udfs.transformer.BertClassifier;
import org.sparkdistill.udfs.transformer.BertEncoder;
import org.sparkdistill.udfs.transformer.BertWeights;
import org.sparkdistill.udfs.transformer.FineTuneOptions;
import org.sparkdistill.udfs.transformer.FineTuneResult;
import org.sparkdistill.udfs.transformer.FineTuneTrainer;
import org.sparkdistill.udfs.transformer.FineTunedMeta;
import org.sparkdistill.udfs.transformer.FineTunedSpec;
import org.sparkdistill.udfs.transformer.FineTunedTeacher;
import org.sparkdistill.udfs.transformer.LabelledTexts;

/**
 * {@code teacher.kind: finetune}: what {@code train-teacher} and {@code score} do for a fine-tuned
 * teacher. {@code train-teacher} reads the labelled train and validation texts of the prepared
 * examples (collected to the driver: the labelled split is small by nature), builds the BERT
 * encoder from {@code encoder.model}'s ONNX initializers, fine-tunes it with a head on the driver
 * ({@link FineTuneTrainer}) and publishes {@code finetuned.params} (DJL parameter file, 90 MB for
 * all-MiniLM-L6-v2) and {@code finetuned.json} (shape, labels, dropouts, the encoder's and
 * tokenizer's sha256, training history); the manifest's {@code files} metric holds both files'
 * sha256. {@code score} runs the teacher over every prepared text ({@link
 * FineTunedScorePartitions}): no encode stage.
 */
public final class FineTuneTeacher {
  private static final Logger LOG = LoggerFactory.getLogger(FineTuneTeacher.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The settings that shape a fine-tuned teacher (train-teacher's plan). */
  public static final String[] TRAIN_SETTINGS = {
    "teacher.finetune.epochs", "teacher.finetune.batchSize", "teacher.finetune.learningRate", "teacher.finetune.headLearningRate",
    "teacher.finetune.weightDecay", "teacher.finetune.warmupFraction", "teacher.finetune.maxGradNorm", "teacher.finetune.patience",
    "teacher.finetune.hiddenDropout", "teacher.finetune.attentionDropout", "teacher.finetune.attentionHeads",
    "teacher.finetune.linearProbe", "teacher.dropout", "teacher.seed", "encoder.maxLength", "encoder.truncation", "encoder.normalize"
  };

  /** The frozen teacher's head settings, which shape a fine-tuned teacher only through its linear probe. */
  public static final String[] PROBE_SETTINGS = {"teacher.epochs", "teacher.learningRate", "teacher.batchSize", "teacher.weightDecay", "teacher.patience"};

  private FineTuneTeacher() {}

  /** Rules of {@code teacher.kind: finetune} that relate several settings. */
  public static void validate(DistillConfig c, List<String> errors) {
    if (c.encoder.pooling != Pooling.MEAN) {
      errors.add("teacher.kind finetune pools with the attention-mask mean: encoder.pooling must be mean, got " + c.encoder.pooling.value());
    }
    if (EncoderPrecision.parse(c.encoder.precision) != EncoderPrecision.FP32) {
      errors.add("teacher.kind finetune trains float32 weights: encoder.precision must be fp32, got " + c.encoder.precision);
    }
    if (c.encoder.chunking != null && c.encoder.chunking.enabled) {
      errors.add("teacher.kind finetune does not chunk texts: set encoder.chunking.enabled=false");
    }
  }

  /** train-teacher's plan for a fine-tuned teacher. */
  public static StagePlan trainPlan(String stage, DistillConfig c, StageInput examples, Configuration conf) {
    return StagePlan.of(stage)
        .input("examples", examples.fingerprint())
        .model("encoder", Fingerprints.sha256File("encoder model", c.encoder.model, conf))
        .model("tokenizer", Fingerprints.sha256File("encoder tokenizer", c.encoder.tokenizer, conf))
        .setting("teacher.kind", c.teacher.kind.toString())
        .settings(c, TRAIN_SETTINGS)
        .settings(c, c.teacher.finetune.linearProbe ? PROBE_SETTINGS : new String[0])
        .labels(c.teacher.effectiveLabels(c.data));
  }

  /**
   * LP-FT's first half: the head trained alone on the untouched encoder's features of the train
   * and validation texts, by the frozen teacher's own {@link HeadTrainer} and settings, and set
   * into {@code model}. Fine-tuning then starts from a head that already separates the classes,
   * instead of from N(0, 0.02²) weights that read a unit vector and give near-uniform
   * probabilities for several epochs (Kumar et al. 2022, "Fine-Tuning can Distort Pretrained
   * Features").
   */
  static TrainedHead linearProbe(DistillConfig c, BertClassifier model, NDManager manager, TextTokenizer tokenizer, LabelledTexts train, LabelledTexts validation, int classes) {
    FineTuneTrainer.requireTexts(train, validation);
    long start = System.nanoTime();
    float[][] trainX = FineTuneTrainer.features(model, manager, tokenizer, train);
    float[][] valX = FineTuneTrainer.features(model, manager, tokenizer, validation);
    TrainedHead head = HeadTrainer.builder(c.teacher).build().train(trainX, train.labels(), valX, validation.labels(), classes);
    model.setHead(head.weight(), head.bias());
    LOG.info("linear probe: validation accuracy {} at epoch {} of {} ({} s, features included)",
        String.format("%.4f", head.bestValidationAccuracy()), head.bestEpoch(), head.epochsRun(), String.format("%.1f", (System.nanoTime() - start) / 1e9));
    return head;
  }

  /** Fine-tunes the teacher and writes its artifact into {@code runDir}. */
  public static StageWrite train(DistillConfig c, StagePlan plan, StageInput examples, StageOutput output, org.apache.hadoop.fs.Path runDir, List<String> labels) {
    DistillConfig.FineTuneSettings f = c.teacher.finetune;
    Dataset<Row> rows = examples.read(CacheSchemas.examples()).filter(functions.col(Columns.LABEL).isin(labels.toArray()));
    LabelledTexts train = collect(rows, Split.TRAIN, labels);
    LabelledTexts validation = collect(rows, Split.VALIDATION, labels);
    SerializableConfiguration hadoop = ModelFiles.sessionConf();
    ModelFile encoderFile = ModelFiles.resolve("encoder.model", c.encoder.model, hadoop);
    ModelFile tokenizerFile = ModelFiles.resolve("encoder.tokenizer", c.encoder.tokenizer, hadoop);
    BertWeights weights = BertWeights.fromOnnx(encoderFile.localPath(), f.attentionHeads);
    FineTunedMeta meta =
        new FineTunedMeta(
            FineTunedMeta.FORMAT, weights.shape(), labels, (float) f.hiddenDropout, (float) f.attentionDropout, (float) c.teacher.dropout,
            c.encoder.normalize, c.encoder.maxLength, encoderFile.sha256(), tokenizerFile.sha256());
    FineTuneOptions options =
        new FineTuneOptions(f.epochs, f.batchSize, f.learningRate, f.headLearningRate, f.weightDecay, f.warmupFraction, f.maxGradNorm, f.patience, c.teacher.seed);
    LOG.info("fine-tuning {} ({} parameters) on {} train and {} validation texts, {} labels, max length {}",
        weights.shape(), weights.shape().parameterCount(), train.size(), validation.size(), labels.size(), c.encoder.maxLength);
    FineTuneResult result;
    BertClassifier model;
    Device device = org.sparkdistill.udfs.model.DeviceSelector.forDriver(f.device, "teacher.finetune.device");
    try (NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile.localPath(), new TokenizerSettings(c.encoder.maxLength, c.encoder.truncation))) {
      model = BertClassifier.create(BertEncoder.fromWeights(weights, manager, meta.hiddenDropout(), meta.attentionDropout()), labels.size(), meta.headDropout(), meta.normalize(), manager, c.teacher.seed);
      TrainedHead probe = f.linearProbe ? linearProbe(c, model, manager, tokenizer, train, validation, labels.size()) : null;
      result = new FineTuneTrainer(options).train(model, manager, tokenizer, train, validation);
      try (OutputStream out = output.create(runDir, FineTunedMeta.PARAMS_FILE)) {
        FineTunedTeacher.saveParameters(model, out);
      }
      Map<String, Object> training = new LinkedHashMap<>();
      if (probe != null) {
        training.put("probeBestEpoch", probe.bestEpoch());
        training.put("probeEpochsRun", probe.epochsRun());
        training.put("probeValidationAccuracy", probe.bestValidationAccuracy());
      }
      training.put("bestEpoch", result.bestEpoch());
      training.put("epochsRun", result.epochsRun());
      training.put("steps", result.steps());
      training.put("validationAccuracy", result.bestValidationAccuracy());
      training.put("validationLoss", result.bestValidationLoss());
      training.put("trainExamplesPerSecond", result.trainExamplesPerSecond());
      training.put("history", result.history());
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("meta", meta);
      doc.put("training", training);
      try (OutputStream out = output.create(runDir, FineTunedMeta.META_FILE)) {
        JSON.writerWithDefaultPrettyPrinter().writeValue(out, doc);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the fine-tuned teacher under " + runDir, e);
    }
    Configuration conf = hadoop.value();
    Map<String, String> files = new LinkedHashMap<>();
    for (String name : List.of(FineTunedMeta.META_FILE, FineTunedMeta.PARAMS_FILE)) {
      files.put(name, Fingerprints.sha256File("fine-tuned teacher " + name, new org.apache.hadoop.fs.Path(runDir, name).toString(), conf));
    }
    return StageWrite.of(Map.of(Split.TRAIN.value(), (long) train.size(), Split.VALIDATION.value(), (long) validation.size()), 0)
        .metric("validationAccuracy", result.bestValidationAccuracy())
        .metric("bestEpoch", result.bestEpoch())
        .metric("epochsRun", result.epochsRun())
        .metric("trainExamplesPerSecond", result.trainExamplesPerSecond())
        .metric("teacherParameters", model.parameterCount())
        .metric("device", "driver " + device)
        .metric("files", files);
  }

  /** The published artifact's description, checked against {@code labels}. */
  public static FineTunedMeta readMeta(StageInput teacher, List<String> labels) {
    FineTunedMeta meta;
    try (InputStream in = teacher.open(FineTunedMeta.META_FILE)) {
      JsonNode doc = JSON.readTree(in);
      meta = JSON.treeToValue(doc.get("meta"), FineTunedMeta.class);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + FineTunedMeta.META_FILE + " of the fine-tuned teacher at " + teacher.output().dir() + ": " + e.getMessage(), e);
    }
    if (!meta.labels().equals(labels)) {
      throw new IllegalStateException("the fine-tuned teacher at " + teacher.output().dir() + " predicts labels " + meta.labels() + ", the config names " + labels + ": rerun train-teacher");
    }
    return meta;
  }

  /** What {@code score} runs on executors, its parameters file checked against the train-teacher manifest. */
  public static FineTunedSpec spec(DistillConfig c, StageInput teacher, List<String> labels) {
    FineTunedMeta meta = readMeta(teacher, labels);
    SerializableConfiguration hadoop = ModelFiles.sessionConf();
    String params = new org.apache.hadoop.fs.Path(teacher.output().dir(), teacher.file(FineTunedMeta.PARAMS_FILE)).toString();
    ModelFile paramsFile = ModelFiles.resolve("fine-tuned teacher parameters", params, hadoop);
    Object recorded = teacher.manifest().metrics().get("files") instanceof Map<?, ?> m ? m.get(FineTunedMeta.PARAMS_FILE) : null;
    if (recorded != null && !paramsFile.sha256().equals(recorded)) {
      throw new IllegalStateException(
          params + " has sha256 " + paramsFile.sha256() + ", the train-teacher manifest recorded " + recorded + ": the artifact changed after publication; rerun train-teacher with --overwrite");
    }
    ModelFile tokenizer = ModelFiles.resolve("encoder.tokenizer", c.encoder.tokenizer, hadoop);
    if (!tokenizer.sha256().equals(meta.tokenizerSha256())) {
      throw new IllegalStateException("the fine-tuned teacher at " + teacher.output().dir() + " was trained with tokenizer sha256 " + meta.tokenizerSha256() + ", encoder.tokenizer has " + tokenizer.sha256());
    }
    return new FineTunedSpec(paramsFile, meta, tokenizer, new TokenizerSettings(c.encoder.maxLength, c.encoder.truncation), c.encoder.device);
  }

  /** The teacher cache rows of every prepared example, each task's device recorded in {@code devices}. */
  public static Dataset<Row> score(DistillConfig c, StageInput examples, FineTunedSpec spec, org.sparkdistill.spark.TaskDevices devices) {
    return org.sparkdistill.spark.TeacherResources.mapPartitions(
        examples.read(CacheSchemas.examples()),
        devices.recording(new FineTunedScorePartitions(spec, c.score.batchSize, c.score.mcPasses, c.score.seed, c.teacher.finetune.mcLayers)),
        CacheSchemas.scores(),
        c.resources,
        "score");
  }

  private static LabelledTexts collect(Dataset<Row> rows, Split split, List<String> labels) {
    List<Row> collected =
        new ArrayList<>(
            rows.filter(functions.col(Columns.SPLIT).equalTo(split.value()))
                .select(Columns.ID, Columns.LABEL, Columns.TEXT)
                .collectAsList());
    if (collected.isEmpty()) {
      throw new IllegalStateException("the " + split.value() + " split has no labelled rows of " + labels + ": fine-tuning needs labelled " + split.value() + " data");
    }
    collected.sort(Comparator.comparing(r -> r.getString(0)));
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    int[] y = new int[collected.size()];
    for (int i = 0; i < collected.size(); i++) {
      Row r = collected.get(i);
      ids.add(r.getString(0));
      y[i] = labels.indexOf(r.getString(1));
      texts.add(r.getString(2));
    }
    return new LabelledTexts(ids, texts, y);
  }
}
