package org.sparkdistill.stage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.StudentMode;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.train.StudentTrainer;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;
import org.sparkdistill.udfs.student.StudentConfig;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.KdLoss;

/**
 * Trains a student on the targets, with the driver coordinating ({@link StudentTrainer}):
 *
 * <ul>
 *   <li>{@code student.mode: kd}: the labelled train split and the unlabelled transfer split, loss
 *       α·CE (labelled rows only) + (1 − α)·T²·KL(target ‖ softmax(s/T)) on every row;
 *   <li>{@code student.mode: labels}: the same student on the labelled train split alone, plain
 *       cross-entropy: the baseline that shows what distillation buys.
 * </ul>
 *
 * Writes the self-contained student ({@code student.json}: config, hashing, label order; {@code
 * student.params}) to {@code <workDir>/student-<mode>}; checkpoints go to its {@code _checkpoint}
 * directory each epoch and are removed once the student is published.
 */
public final class TrainStudentStage extends Stage {
  public static final String NAME = "train-student";

  public TrainStudentStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StageOutput output() {
    return context.output("student-" + mode());
  }

  private String mode() {
    return context.config().student.mode.toString();
  }

  @Override
  protected String description() {
    return "train-student (" + mode() + "): hashed n-gram student on the targets";
  }

  /** The student's architecture, from the config. */
  public static StudentConfig studentConfig(DistillConfig c) {
    DistillConfig.StudentSettings s = c.student;
    return new StudentConfig(c.data.labels, s.buckets, s.embeddingDim, s.hiddenDim, s.dropout, s.maxNgram, s.maxTokens, s.hashSeed);
  }

  private static int batchSize(DistillConfig.StudentSettings s) {
    return s.mode == StudentMode.LABELS ? s.labelsOnlyBatchSize : s.batchSize;
  }

  private double temperature(Manifest targets) {
    String t = targets.settings().get("targets.temperature");
    return t == null ? 1.0 : Double.parseDouble(t);
  }

  @Override
  public StagePlan plan() {
    DistillConfig.StudentSettings s = context.config().student;
    Manifest targets = requireUpToDate(new TargetsStage(context));
    StagePlan plan =
        StagePlan.of(NAME)
            .input("targets", targets.fingerprint())
            .settings(context.config(), "student.mode")
            // Derived from student.buckets, embeddingDim, hiddenDim, dropout, maxNgram, maxTokens, hashSeed.
            .setting("student.architecture", studentConfig(context.config()).toString())
            .settings(
                context.config(),
                "student.epochs",
                s.mode == StudentMode.LABELS ? "student.labelsOnlyBatchSize" : "student.batchSize",
                "student.learningRate",
                "student.weightDecay",
                "student.patience",
                "student.seed")
            .labels(context.config().data.labels);
    if (s.mode == StudentMode.KD) {
      // T as the targets were built with it (their manifest), under its config key.
      plan.settings(context.config(), "student.alpha").setting("targets.temperature", temperature(targets));
    }
    return plan;
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig.StudentSettings s = context.config().student;
    TargetsStage targetsStage = new TargetsStage(context);
    Dataset<Row> targets = targetsStage.readTargets();
    boolean kd = s.mode == StudentMode.KD;
    Column trainSplits =
        kd
            ? functions.col(Columns.SPLIT).isin(Split.TRAIN.value(), Split.TRANSFER.value())
            : functions.col(Columns.SPLIT).equalTo(Split.TRAIN.value());
    Dataset<Row> train = targets.filter(trainSplits);
    Dataset<Row> validation = targets.filter(functions.col(Columns.SPLIT).equalTo(Split.VALIDATION.value()).and(functions.col(Columns.LABEL).isNotNull()));
    KdLoss loss = kd ? new KdLoss(s.alpha, temperature(targetsStage.output().requireFinished(TargetsStage.NAME))) : new KdLoss(1.0, 1.0);
    Path checkpoints = new Path(output().dir(), "_checkpoint");
    var hadoop = context.spark().sparkContext().hadoopConfiguration();
    StudentTrainer trainer =
        new StudentTrainer(
            studentConfig(context.config()), loss, s.epochs, batchSize(s), s.learningRate, s.weightDecay, s.patience, s.seed,
            checkpoints, hadoop, s.resume, context.overwrite());
    StudentTrainer.Result result = trainer.train(train, validation, plan);
    long parameters;
    try (StudentModel student = result.student()) {
      parameters = student.parameterCount();
      java.nio.file.Path local = Files.createTempDirectory("spark-distill-student");
      student.save(local);
      FileSystem fs = runDir.getFileSystem(hadoop);
      fs.mkdirs(runDir);
      try (var files = Files.list(local)) {
        for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
          fs.copyFromLocalFile(true, true, new Path(f.toUri()), new Path(runDir, f.getFileName().toString()));
        }
      }
      Files.deleteIfExists(local);
      fs.delete(checkpoints, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the student to " + runDir, e);
    }
    List<?> history = result.history();
    return StageWrite.of(java.util.Map.of(), 0)
        .metric("validationAccuracy", result.bestValidationAccuracy())
        .metric("bestEpoch", result.bestEpoch())
        .metric("epochsRun", history.size())
        .metric("resumedFromEpoch", result.resumedFromEpoch())
        .metric("studentParameters", parameters)
        .metric("history", history);
  }

  /** The published student's files, read on the driver from any Hadoop filesystem. */
  public java.util.Map<String, byte[]> studentFiles() {
    Path dir = studentDir();
    java.util.Map<String, byte[]> files = new java.util.HashMap<>();
    try {
      FileSystem fs = dir.getFileSystem(context.spark().sparkContext().hadoopConfiguration());
      for (org.apache.hadoop.fs.FileStatus status : fs.listStatus(dir)) {
        String name = status.getPath().getName();
        if (status.isFile() && !name.startsWith(".") && !name.startsWith("_")) {
          try (java.io.InputStream in = fs.open(status.getPath())) {
            files.put(name, in.readAllBytes());
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the student from " + dir, e);
    }
    return files;
  }

  /** The published student's directory (its run directory). */
  public Path studentDir() {
    Manifest manifest = output().requireFinished(NAME);
    return output().newRunDir(manifest.runId());
  }
}
