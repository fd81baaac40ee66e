package org.sparkdistill.stage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.StudentMode;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.method.DistillationMethods;
import org.sparkdistill.method.StudentObjective;
import org.sparkdistill.train.EpochRunners;
import org.sparkdistill.train.StudentTrainer;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;
import org.sparkdistill.udfs.student.StudentArchitecture;
import org.sparkdistill.udfs.student.StudentArchitectures;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.student.TransformerStudent;
import org.sparkdistill.udfs.transformer.FineTunedSpec;
import org.sparkdistill.teacher.finetune.FineTuneTeacher;

/**
 * Trains a student on the targets, with the driver coordinating ({@link StudentTrainer}). What it
 * learns comes from the method seam ({@link StudentObjective}: the method's rows, loss, outputs
 * and readout for {@code student.mode: kd}, or the labels-only baseline for {@code labels}); what
 * it is comes from the student seam ({@code student.architecture}, a registered {@link
 * StudentArchitecture}). Neither is named here.
 *
 * <p>Writes the self-contained student ({@code student.json}: architecture, readout; {@code
 * student.params}; the architecture's own files, e.g. the transformer student's {@code
 * tokenizer.json}) to {@code <workDir>/student-<mode>}, each file's sha256 in the manifest's {@code
 * files} metric; checkpoints go to its {@code _checkpoint}
 * directory each epoch and are removed once the student is published.
 */
public final class TrainStudentStage extends Stage {
  public static final String NAME = "train-student";
  private static final ObjectMapper JSON = new ObjectMapper();

  public TrainStudentStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StageOutput output() {
    return context.modeOutput("student");
  }

  private String mode() {
    return context.config().student.mode.toString();
  }

  @Override
  protected String description() {
    return "train-student (" + mode() + "): " + context.config().student.architecture + " student on the targets";
  }

  /**
   * The student's architecture for {@code outputs}, from the config's student settings and, as
   * {@code teacherEncoder}, the teacher's encoder files (a kind that starts from the teacher's
   * weights or tokenizer reads them; others ignore them).
   */
  public static StudentArchitecture architecture(DistillConfig c, List<String> outputs) {
    return architecture(c, outputs, null);
  }

  /**
   * {@link #architecture(DistillConfig, List)}, with the layers of {@code fineTunedTeacher} (a
   * verified, local copy of train-teacher's parameters) as the teacher's encoder when it is not
   * null.
   */
  public static StudentArchitecture architecture(DistillConfig c, List<String> outputs, FineTunedSpec fineTunedTeacher) {
    com.fasterxml.jackson.databind.node.ObjectNode settings = JSON.valueToTree(c.student);
    com.fasterxml.jackson.databind.node.ObjectNode encoder =
        settings.putObject("teacherEncoder").put("model", c.encoder.model).put("tokenizer", c.encoder.tokenizer).put("maxLength", c.encoder.maxLength);
    if (fineTunedTeacher != null) {
      encoder.put("model", fineTunedTeacher.paramsFile().localPath().toString()).put("format", TransformerStudent.FORMAT_FINETUNED);
      encoder.set("meta", JSON.valueToTree(fineTunedTeacher.meta()));
    }
    return StudentArchitectures.fromSettings(c.student.architecture, settings, outputs);
  }

  /** Whether the student copies its layers from the fine-tuned teacher that train-teacher published. */
  private boolean fromFineTunedTeacher() {
    DistillConfig c = context.config();
    return TransformerStudent.KIND.equals(c.student.architecture) && c.teacher.kind == TeacherKind.FINETUNE
        && c.student.transformer.fromFineTunedTeacher && c.student.transformer.model.isBlank();
  }

  /** This run's student architecture for {@code outputs} (from the fine-tuned teacher's layers where {@link #fromFineTunedTeacher}). */
  private StudentArchitecture architecture(List<String> outputs) {
    DistillConfig c = context.config();
    FineTunedSpec teacher = fromFineTunedTeacher() ? FineTuneTeacher.spec(c, input(TrainTeacherStage.NAME), c.teacher.effectiveLabels(c.data)) : null;
    return architecture(c, outputs, teacher);
  }

  private static int batchSize(DistillConfig.StudentSettings s) {
    return s.mode == StudentMode.LABELS ? s.labelsOnlyBatchSize : s.batchSize;
  }

  private StudentObjective objective(StageInput targets) {
    return StudentObjective.of(context.config().student.mode, DistillationMethods.of(context.config()), targets.manifest().settings(), context.config());
  }

  @Override
  public StagePlan plan() {
    DistillConfig.StudentSettings s = context.config().student;
    StageInput targets = input(TargetsStage.NAME);
    StudentObjective objective = objective(targets);
    StagePlan plan =
        StagePlan.of(NAME)
            .input("targets", targets.fingerprint())
            .settings(context.config(), "student.mode", "student.architecture")
            // The architecture's shape (from its settings and the method's outputs) and readout.
            .setting("student.network", architecture(objective.outputs()).toString())
            .setting("student.readout", objective.readout().toString())
            .settings(
                context.config(),
                "student.epochs",
                s.mode == StudentMode.LABELS ? "student.labelsOnlyBatchSize" : "student.batchSize",
                "student.learningRate",
                "student.weightDecay",
                "student.patience",
                "student.seed")
            .labels(context.config().data.labels);
    if (fromFineTunedTeacher()) {
      plan.input("teacher", input(TrainTeacherStage.NAME).fingerprint());
    }
    objective.settings().forEach(plan::setting);
    EpochRunners.settings(s).forEach(plan::setting);
    return plan;
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig.StudentSettings s = context.config().student;
    List<String> labels = context.config().data.labels;
    StageInput targetsInput = input(TargetsStage.NAME);
    StudentObjective objective = objective(targetsInput);
    Dataset<Row> targets = TargetsStage.rows(targetsInput, labels);
    Dataset<Row> train = objective.trainingRows(targets, labels);
    Dataset<Row> validation = targets.filter(functions.col(Columns.SPLIT).equalTo(Split.VALIDATION.value()).and(functions.col(Columns.LABEL).isNotNull()));
    Path checkpoints = new Path(output().dir(), "_checkpoint");
    var hadoop = context.spark().sparkContext().hadoopConfiguration();
    StudentTrainer trainer =
        StudentTrainer.builder()
            .setStudent(architecture(objective.outputs()), objective.readout())
            .setLoss(objective.loss())
            .optEpochs(s.epochs)
            .optBatchSize(batchSize(s))
            .optLearningRate(s.learningRate)
            .optWeightDecay(s.weightDecay)
            .optPatience(s.patience)
            .optSeed(s.seed)
            .optCheckpoints(checkpoints, hadoop, s.resume, context.overwrite())
            .optEpochRunner(EpochRunners.of(s, batchSize(s)))
            .optCheckpointEveryRounds(s.checkpointEveryRounds)
            .build();
    StudentTrainer.Result result = trainer.train(train, validation, plan);
    long parameters;
    java.util.Map<String, String> hashes = new java.util.TreeMap<>();
    try (StudentModel student = result.student()) {
      parameters = student.parameterCount();
      java.nio.file.Path local = Files.createTempDirectory("spark-distill-student");
      student.save(local);
      FileSystem fs = runDir.getFileSystem(hadoop);
      fs.mkdirs(runDir);
      try (var files = Files.list(local)) {
        for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
          hashes.put(f.getFileName().toString(), org.sparkdistill.udfs.model.VerifiedModelFiles.sha256(f));
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
        .metric("studentArchitecture", context.config().student.architecture)
        // Where the steps ran: the driver's loop on the driver, data-parallel rounds in executor tasks, both on the CPU today.
        .metric("device", (s.trainer == org.sparkdistill.config.StudentTrainerKind.DRIVER ? "driver " : "executor tasks ") + ai.djl.Device.cpu())
        .metric("files", hashes)
        .metric("history", history);
  }
}
