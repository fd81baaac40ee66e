package org.sparkdistill.stage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.spark.ModelFiles;
import org.sparkdistill.spark.TaskDevices;
import org.sparkdistill.spark.TeacherResources;
import org.sparkdistill.teacher.HeadFile;
import org.sparkdistill.teacher.finetune.FineTuneTeacher;
import org.sparkdistill.udfs.inference.HeadScorePartitions;
import org.sparkdistill.udfs.inference.FineTunedScorePartitions;
import org.sparkdistill.udfs.inference.TorchScriptScorePartitions;
import org.sparkdistill.udfs.model.LinearHead;
import org.sparkdistill.udfs.model.TorchScriptSpec;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * Writes the teacher cache ({@link CacheSchemas#scores()}): raw logits, the features that feed the
 * final linear layer, and K-pass Monte-Carlo-dropout statistics for every row of every split.
 *
 * <ul>
 *   <li>{@code teacher.kind: head}: the trained head over the cached features; dropout masks are
 *       drawn in Java from (row id, pass, seed), so numbers never depend on partitioning or
 *       retries. Cost: K·C·d multiply-adds per row, seconds for the whole cache.
 *   <li>{@code teacher.kind: torchscript}: the whole scripted model over the prepared texts,
 *       encode and score in one pass: K + 1 forwards per batch.
 *   <li>{@code teacher.kind: finetune}: the fine-tuned encoder + head over the prepared texts; MC
 *       dropout over the head and the top {@code teacher.finetune.mcLayers} layers with masks from
 *       (row id, pass, site, layer, seed), computed in tensor ops (the plan's {@link #MC_MASKS}
 *       names the generator): one forward plus K forwards of the top layers per batch.
 * </ul>
 */
public final class ScoreStage extends Stage {
  public static final String NAME = "score";

  /** The plan entry naming the fine-tuned teacher's MC mask generator ({@code McMasks#version()}). */
  public static final String MC_MASKS = "mcMaskVersion";

  public ScoreStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return "score: teacher logits, features and " + context.config().score.mcPasses + "-pass MC-dropout statistics";
  }

  private boolean torchscript() {
    return context.config().teacher.kind == TeacherKind.TORCHSCRIPT;
  }

  @Override
  public StagePlan plan() {
    DistillConfig c = context.config();
    StagePlan plan =
        StagePlan.of(NAME)
            .settings(c, "teacher.kind", "score.mcPasses", "score.seed")
            .labels(c.teacher.effectiveLabels(c.data));
    if (c.teacher.kind == TeacherKind.FINETUNE) {
      var conf = context.spark().sparkContext().hadoopConfiguration();
      plan.input("examples", input(PrepareStage.NAME).fingerprint())
          .input("teacher", input(TrainTeacherStage.NAME).fingerprint())
          .model("tokenizer", Fingerprints.sha256File("encoder tokenizer", c.encoder.tokenizer, conf))
          // masks come from (row id, pass, site, layer, seed): the batch size does not shape them,
          // their generator does (a cache drawn by another formula is not reused)
          .settings(c, "teacher.finetune.mcLayers", "encoder.maxLength", "encoder.truncation")
          .setting(MC_MASKS, FineTunedScorePartitions.MASKS.version());
    } else if (torchscript()) {
      var conf = context.spark().sparkContext().hadoopConfiguration();
      StageInput examples = input(PrepareStage.NAME);
      plan.input("examples", examples.fingerprint())
          .model("teacher", Fingerprints.sha256File("teacher.torchscript", c.teacher.torchscript, conf))
          .model("tokenizer", Fingerprints.sha256File("teacher tokenizer", torchscriptTokenizer(c), conf))
          // MC draws come from libtorch's generator, seeded per batch: the batch size shapes them.
          .settings(c, "encoder.maxLength", "encoder.truncation", "score.batchSize", "teacher.dropout");
    } else {
      StageInput examples = input(PrepareStage.NAME);
      StageInput features = input(EncodeStage.NAME);
      StageInput teacher = input(TrainTeacherStage.NAME);
      plan.input("examples", examples.fingerprint())
          .input("features", features.fingerprint())
          .input("teacher", teacher.fingerprint())
          .settings(c, "teacher.dropout");
    }
    return CachedFeatures.plan(plan, c);
  }

  private static String torchscriptTokenizer(DistillConfig c) {
    return c.teacher.torchscriptTokenizer.isBlank() ? c.encoder.tokenizer : c.teacher.torchscriptTokenizer;
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig c = context.config();
    Dataset<Row> scores;
    // The devices the model tasks ran on (none for the frozen head: plain Java over cached features).
    TaskDevices devices = null;
    if (c.teacher.kind == TeacherKind.FINETUNE) {
      devices = TaskDevices.register(context.spark(), NAME, c.encoder.device);
      scores = FineTuneTeacher.score(c, input(PrepareStage.NAME), FineTuneTeacher.spec(c, input(TrainTeacherStage.NAME), plan.labels()), devices);
    } else if (torchscript()) {
      Dataset<Row> examples = input(PrepareStage.NAME).read(CacheSchemas.examples());
      SerializableConfiguration hadoop = ModelFiles.sessionConf();
      TorchScriptSpec spec =
          new TorchScriptSpec(
              ModelFiles.resolve("teacher.torchscript", c.teacher.torchscript, hadoop),
              ModelFiles.resolve("teacher.torchscriptTokenizer", torchscriptTokenizer(c), hadoop),
              new TokenizerSettings(c.encoder.maxLength, c.encoder.truncation),
              c.encoder.device);
      devices = TaskDevices.register(context.spark(), NAME, spec.device());
      scores =
          TeacherResources.mapPartitions(
              examples,
              devices.recording(new TorchScriptScorePartitions(spec, c.score.batchSize, c.score.mcPasses, c.score.seed, plan.labels().size())),
              CacheSchemas.scores(),
              c.resources,
              NAME);
    } else {
      Dataset<Row> features = EncodeStage.featuresWithExamples(input(PrepareStage.NAME), input(EncodeStage.NAME));
      LinearHead head = readHead(input(TrainTeacherStage.NAME), plan.labels());
      scores =
          features.mapPartitions(
              new HeadScorePartitions(head, c.score.mcPasses, c.score.seed), Encoders.row(CacheSchemas.scores()));
    }
    CachedFeatures.store(scores, c.cache.features, NAME).write().mode(SaveMode.ErrorIfExists).parquet(runDir.toString());
    StageWrite written = CachedFeatures.describe(countWritten(runDir, true), context.spark(), runDir, c.cache.features);
    addQualityMetrics(written, context.spark().read().parquet(runDir.toString()), plan.labels());
    if (devices != null) {
      written.metric("devices", devices.seen());
    }
    return written;
  }

  /** The published teacher head of {@code teacher} (a train-teacher output), checked against {@code labels}. */
  public static LinearHead readHead(StageInput teacher, List<String> labels) {
    String file = teacher.file(HeadFile.NAME);
    LinearHead head;
    try (InputStream in = teacher.open(HeadFile.NAME)) {
      head = HeadFile.read(in, teacher.output().dir() + "/" + file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read teacher head " + file, e);
    }
    if (!head.labels().equals(labels)) {
      throw new IllegalStateException(
          "teacher head at " + teacher.output().dir() + " predicts labels " + head.labels() + ", the config names " + labels);
    }
    return head;
  }

  /** Accuracy of the teacher's argmax per labelled split, and the mean MC certainty. */
  private static void addQualityMetrics(StageWrite written, Dataset<Row> scores, List<String> labels) {
    Column[] names = labels.stream().map(functions::lit).toArray(Column[]::new);
    Column index = functions.array_position(functions.array(names), functions.col(Columns.LABEL)).minus(1);
    List<Row> rows =
        scores
            .filter(functions.col(Columns.LABEL).isin(labels.toArray())) // a subset teacher: accuracy within its labels
            .groupBy(Columns.SPLIT)
            .agg(
                functions.avg(functions.col(Columns.PREDICTED).equalTo(index).cast("double")),
                functions.avg(functions.col(Columns.CERTAINTY)))
            .collectAsList();
    for (Row row : rows) {
      written.metric(row.getString(0) + "Accuracy", row.getDouble(1));
    }
    Row all = scores.agg(functions.avg(Columns.CERTAINTY), functions.avg(Columns.MUTUAL_INFO)).first();
    if (!all.isNullAt(0)) {
      written.metric("meanCertainty", all.getDouble(0));
      written.metric("meanMutualInformation", all.getDouble(1));
    }
  }
}
