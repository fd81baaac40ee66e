package org.sparkdistill.stage;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.util.SerializableConfiguration;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.EncoderPrecision;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.spark.ModelFiles;
import org.sparkdistill.spark.TaskDevices;
import org.sparkdistill.spark.TeacherResources;
import org.sparkdistill.udfs.inference.EncodePartitions;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.FeatureStorage;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * Runs the frozen ONNX encoder over every prepared text and writes pooled sentence vectors
 * ({@link CacheSchemas#features()}, keyed by id). Computed once per (encoder, tokenizer settings,
 * texts): its fingerprint ignores how the texts are split, so every teacher head, label budget and
 * method downstream reads the same encoding (share it between runs with {@code outputs.encode}).
 *
 * <p>Cost: the encoder forward, about 2.7 GFLOP per 128-token text for MiniLM-L6; each executor
 * JVM loads the model once; {@code encoder.batchSize} texts per ONNX call, padded to the longest
 * (or {@code encoder.maxBatchTokens} tokens per call); {@code encoder.precision: int8} runs the
 * quantized encoder, recorded in the manifest with the file's sha256. {@code cache.features: int8}
 * stores the vectors as int8 with a per-row scale ({@link CachedFeatures}).
 */
public final class EncodeStage extends Stage {
  public static final String NAME = "encode";

  public EncodeStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return "encode: frozen encoder over all splits -> pooled features";
  }

  public static EncoderSpec encoderSpec(DistillConfig.EncoderSettings e) {
    SerializableConfiguration hadoop = ModelFiles.sessionConf();
    return new EncoderSpec(
        ModelFiles.resolve("encoder.model", e.modelFile(), hadoop),
        ModelFiles.resolve("encoder.tokenizer", e.tokenizer, hadoop),
        new TokenizerSettings(e.maxLength, e.truncation),
        e.pooling,
        e.normalize,
        e.intraOpThreads,
        e.device);
  }

  @Override
  public StagePlan plan() {
    DistillConfig.EncoderSettings e = context.config().encoder;
    input(PrepareStage.NAME);
    var conf = context.spark().sparkContext().hadoopConfiguration();
    StagePlan plan = StagePlan.of(NAME)
        .input("texts", ((PrepareStage) context.graph().stage(PrepareStage.NAME)).textsFingerprint())
        .model("encoder", Fingerprints.sha256File("encoder model", e.modelFile(), conf))
        .model("tokenizer", Fingerprints.sha256File("encoder tokenizer", e.tokenizer, conf))
        .settings(context.config(), "encoder.maxLength", "encoder.truncation", "encoder.pooling", "encoder.normalize")
        .setting("encoder.precision", EncoderPrecision.parse(e.precision).value());
    if (e.chunking.enabled) {
      plan.settings(context.config(), "encoder.chunking.enabled", "encoder.chunking.length", "encoder.chunking.overlap", "encoder.chunking.maxChunks");
    }
    return CachedFeatures.plan(plan, context.config()).labels(context.config().data.labels);
  }

  /** The features of {@code encode}'s texts, joined with their split and label from {@code prepare}. */
  static Dataset<Row> featuresWithExamples(StageInput prepare, StageInput encode) {
    Dataset<Row> features = CachedFeatures.read(encode, CacheSchemas.features());
    Dataset<Row> examples = prepare.read(CacheSchemas.examples()).select(Columns.ID, Columns.SPLIT, Columns.LABEL);
    return examples.join(features, Columns.ID);
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig.EncoderSettings e = context.config().encoder;
    EncoderSpec spec = encoderSpec(e);
    // Fail on the driver, before any task starts, when the tokenizer file is not usable.
    TextTokenizer.load(spec.tokenizerFile().localPath(), spec.tokenizer()).close();
    Dataset<Row> examples = input(PrepareStage.NAME).read(CacheSchemas.examples()).select(Columns.ID, Columns.TEXT);
    if (e.partitions > 0) {
      examples = examples.repartition(e.partitions);
    }
    if (e.chunking.enabled) {
      return ChunkedEncode.write(context, examples, runDir, this::countWritten);
    }
    FeatureStorage storage = context.config().cache.features;
    TaskDevices devices = TaskDevices.register(context.spark(), NAME, spec.device());
    CachedFeatures.store(
            TeacherResources.mapPartitions(examples, devices.recording(new EncodePartitions(spec, e.batchSize, e.maxBatchTokens)), CacheSchemas.features(), context.config().resources, NAME),
            storage,
            NAME)
        .write()
        .mode(SaveMode.ErrorIfExists)
        .parquet(runDir.toString());
    return CachedFeatures.describe(countWritten(runDir, true), context.spark(), runDir, storage).metric("devices", devices.seen());
  }
}
