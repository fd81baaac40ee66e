package org.sparkdistill.stage;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.util.SerializableConfiguration;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.spark.ModelFiles;
import org.sparkdistill.spark.TeacherResources;
import org.sparkdistill.udfs.inference.EncodePartitions;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.Pooling;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * Runs the frozen ONNX encoder over every prepared text and writes pooled sentence vectors
 * ({@link CacheSchemas#features()}, keyed by id). Computed once per (encoder, tokenizer settings,
 * texts): its fingerprint ignores how the texts are split, so every teacher head, label budget and
 * method downstream reads the same encoding (share it between runs with {@code outputs.encode}).
 *
 * <p>Cost: the encoder forward, about 2.7 GFLOP per 128-token text for MiniLM-L6; each executor
 * JVM loads the model once; {@code encoder.batchSize} texts per ONNX call, padded to the longest.
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
        ModelFiles.resolve("encoder.model", e.model, hadoop),
        ModelFiles.resolve("encoder.tokenizer", e.tokenizer, hadoop),
        new TokenizerSettings(e.maxLength, e.truncation),
        Pooling.parse(e.pooling),
        e.normalize,
        e.intraOpThreads,
        DeviceSelector.Preference.parse(e.device));
  }

  @Override
  public StagePlan plan() {
    DistillConfig.EncoderSettings e = context.config().encoder;
    PrepareStage prepare = new PrepareStage(context);
    requireUpToDate(prepare);
    var conf = context.spark().sparkContext().hadoopConfiguration();
    return StagePlan.of(NAME)
        .input("texts", prepare.textsFingerprint())
        .model("encoder", Fingerprints.sha256File("encoder model", e.model, conf))
        .model("tokenizer", Fingerprints.sha256File("encoder tokenizer", e.tokenizer, conf))
        .setting("tokenizer.maxLength", e.maxLength)
        .setting("tokenizer.truncation", e.truncation)
        .setting("pooling", Pooling.parse(e.pooling).value())
        .setting("normalize", e.normalize)
        .labels(context.config().data.labels);
  }

  /** The features of this configuration's texts, joined with their split and label. */
  public Dataset<Row> readFeaturesWithExamples() {
    Dataset<Row> features = readOutput(CacheSchemas.features());
    Dataset<Row> examples = new PrepareStage(context).readExamples().select(Columns.ID, Columns.SPLIT, Columns.LABEL);
    return examples.join(features, Columns.ID);
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig.EncoderSettings e = context.config().encoder;
    EncoderSpec spec = encoderSpec(e);
    // Fail on the driver, before any task starts, when the tokenizer file is not usable.
    TextTokenizer.load(spec.tokenizerFile().localPath(), spec.tokenizer()).close();
    Dataset<Row> examples = new PrepareStage(context).readExamples().select(Columns.ID, Columns.TEXT);
    if (e.partitions > 0) {
      examples = examples.repartition(e.partitions);
    }
    TeacherResources.mapPartitions(examples, new EncodePartitions(spec, e.batchSize), CacheSchemas.features(), context.config().resources, NAME)
        .write()
        .mode(SaveMode.ErrorIfExists)
        .parquet(runDir.toString());
    return countWritten(runDir, true);
  }
}
