package org.sparkdistill.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.evaluate.Agreement;
import org.sparkdistill.evaluate.Calibration;
import org.sparkdistill.evaluate.TeacherUncertainty;
import org.sparkdistill.evaluate.TemperatureScaling;
import org.sparkdistill.report.HtmlReports;
import org.sparkdistill.report.RunReport;
import org.sparkdistill.report.StageTimes;
import org.sparkdistill.evaluate.ClassificationMetrics;
import org.sparkdistill.evaluate.EvaluationReport;
import org.sparkdistill.udfs.onnx.OnnxParameterCounter;
import org.sparkdistill.evaluate.SpeedComparison;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.LinearHead;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.schema.Split;
import org.sparkdistill.udfs.student.StudentFiles;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.uncertainty.Softmax;
import org.sparkdistill.teacher.finetune.FineTuneTeacher;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.transformer.FineTunedSpec;
import org.sparkdistill.udfs.transformer.FineTunedTeacher;

/**
 * Scores a student on the held-out test split beside its teacher: accuracy, macro-F1, expected
 * calibration error, agreement with the teacher, parameter counts and throughput. Writes {@code
 * metrics.json} (machine-readable), {@code report.md} and the self-contained page {@code
 * report.html} (for a person; see {@code report/}) to {@code
 * <workDir>/evaluation-<mode>}.
 */
public final class EvaluateStage extends Stage {
  public static final String NAME = "evaluate";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public EvaluateStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StageOutput output() {
    return context.modeOutput("evaluation");
  }

  @Override
  protected String description() {
    return "evaluate: student (" + context.config().student.mode + ") vs teacher on the test split";
  }

  @Override
  public StagePlan plan() {
    DistillConfig.EvaluateSettings e = context.config().evaluate;
    StageInput predictions = input(PredictStage.NAME);
    StageInput scores = input(ScoreStage.NAME);
    StageInput student = input(TrainStudentStage.NAME);
    if (!context.config().predict.input.isBlank()) {
      throw new IllegalStateException("evaluate needs predictions over this run's prepared examples; predict.input is set to " + context.config().predict.input);
    }
    return StagePlan.of(NAME)
        .input("predictions", predictions.fingerprint())
        .input("scores", scores.fingerprint())
        .input("student", student.fingerprint())
        .settings(context.config(), "evaluate.calibrationBins", "evaluate.speed", "evaluate.speedRows")
        .labels(context.config().data.labels);
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig c = context.config();
    List<String> labels = plan.labels();
    Dataset<Row> predictions = input(PredictStage.NAME).read(CacheSchemas.predictions());
    Dataset<Row> teacher =
        CachedFeatures.read(input(ScoreStage.NAME), CacheSchemas.scores())
            .select(functions.col(Columns.ID), functions.col(Columns.PREDICTED).as("teacher_predicted"), functions.col(Columns.LOGITS).as("teacher_logits"));
    Dataset<Row> joined =
        predictions.join(teacher, Columns.ID).select(Columns.LABEL, Columns.PREDICTED, Columns.PROBABILITIES, "teacher_predicted", "teacher_logits", Columns.SPLIT);
    // Temperature scaling, fitted on validation (never on test): teacher on its logits, the student
    // on the log of its stored probabilities. Only the labelled validation rows (the label budget's
    // validationPerClass), so what the driver holds does not grow with the dataset.
    List<Row> validation =
        joined.filter(functions.col(Columns.SPLIT).equalTo(Split.VALIDATION.value()).and(functions.col(Columns.LABEL).isNotNull())).collectAsList();
    Calibration teacherCalibration =
        Calibration.fit(validation.stream().map(r -> Calibration.LabelledLogits.of(r, 0, 4, labels, false)).iterator(), labels, c.evaluate.calibrationBins);
    Calibration studentCalibration =
        Calibration.fit(validation.stream().map(r -> Calibration.LabelledLogits.of(r, 0, 2, labels, true)).iterator(), labels, c.evaluate.calibrationBins);
    ClassificationMetrics studentMetrics = new ClassificationMetrics(labels, c.evaluate.calibrationBins);
    ClassificationMetrics teacherMetrics = new ClassificationMetrics(labels, c.evaluate.calibrationBins);
    Agreement agreement = new Agreement();
    Iterator<Row> rows = joined.filter(functions.col(Columns.SPLIT).equalTo(Split.TEST.value())).toLocalIterator();
    while (rows.hasNext()) {
      Row row = rows.next();
      int label = row.isNullAt(0) ? -1 : labels.indexOf(row.getString(0));
      int studentPredicted = row.getInt(1);
      int teacherPredicted = row.getInt(3);
      float[] studentProbabilities = RowArrays.floats(row.getList(2));
      float[] teacherLogits = RowArrays.floats(row.getList(4));
      studentMetrics.add(label, studentPredicted, studentProbabilities);
      teacherMetrics.add(label, teacherPredicted, Softmax.softmax(teacherLogits));
      studentCalibration.add(label, studentPredicted, TemperatureScaling.logitsOfProbabilities(studentProbabilities));
      teacherCalibration.add(label, teacherPredicted, teacherLogits);
      agreement.add(studentPredicted, teacherPredicted);
    }
    if (studentMetrics.labelledCount() == 0) {
      throw new IllegalStateException("the test split has no labelled rows with both a student prediction and a teacher score");
    }
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("studentMode", c.student.mode.toString());
    metrics.put("testRows", studentMetrics.labelledCount());
    metrics.put("student", studentMetrics.toMap());
    metrics.put("teacher", teacherMetrics.toMap());
    metrics.put("agreementWithTeacher", agreement.rate());
    metrics.put("calibrationBins", c.evaluate.calibrationBins);
    Map<String, Object> calibration = new LinkedHashMap<>();
    calibration.put("teacher", teacherCalibration.toMap(teacherMetrics.expectedCalibrationError()));
    calibration.put("student", studentCalibration.toMap(studentMetrics.expectedCalibrationError()));
    metrics.put("calibration", calibration);
    metrics.put("teacherUncertainty", TeacherUncertainty.of(CachedFeatures.read(input(ScoreStage.NAME), CacheSchemas.scores()), c.score.mcPasses));
    long studentParameters;
    StageInput trained = input(TrainStudentStage.NAME);
    try (StudentModel student = StudentFiles.load(trained.files(), "the student at " + trained.runDir())) {
      studentParameters = student.parameterCount();
      metrics.put("studentParameters", studentParameters);
      if (c.teacher.kind == TeacherKind.HEAD) {
        LinearHead head = ScoreStage.readHead(input(TrainTeacherStage.NAME), labels);
        long teacherParameters = OnnxParameterCounter.count(EncodeStage.encoderSpec(c.encoder).modelFile().localPath()) + head.parameterCount();
        metrics.put("teacherParameters", teacherParameters);
        metrics.put("studentToTeacherParameters", (double) studentParameters / teacherParameters);
        if (c.evaluate.speed) {
          metrics.put("speed", speed(c, head, student));
        }
      } else if (c.teacher.kind == TeacherKind.FINETUNE && input(TrainTeacherStage.NAME).manifest().metrics().get("teacherParameters") instanceof Number n) {
        metrics.put("teacherParameters", n.longValue());
        metrics.put("studentToTeacherParameters", (double) studentParameters / n.longValue());
        if (c.evaluate.speed) {
          metrics.put("speed", fineTunedSpeed(c, labels, student));
        }
      }
    }
    try (OutputStream out = output().create(runDir, "metrics.json")) {
      JSON.writeValue(out, metrics);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics.json under " + runDir, e);
    }
    try (OutputStream out = output().create(runDir, "report.md")) {
      out.write(EvaluationReport.markdown(metrics).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write report.md under " + runDir, e);
    }
    RunReport report = new RunReport(c, Map.of(c.student.mode.toString(), metrics), List.of(), StageTimes.of(upstream()));
    HtmlReports.write(output(), runDir, "Student (" + c.student.mode + ") vs teacher", report);
    StageWrite written = StageWrite.of(Map.of(Split.TEST.value(), studentMetrics.labelledCount()), 0);
    written.metrics().putAll(metrics);
    return written;
  }

  /** The stages whose outputs this evaluation rests on, for the report's stage times. */
  private List<Stage> upstream() {
    List<Stage> stages = new ArrayList<>(Chain.teacher(context));
    stages.addAll(Chain.student(context).subList(0, 3));
    return stages;
  }

  private Map<String, Object> speed(DistillConfig c, LinearHead head, StudentModel student) {
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    speedSample(c, ids, texts);
    EncoderSpec base = EncodeStage.encoderSpec(c.encoder);
    EncoderSpec oneThread = new EncoderSpec(base.modelFile(), base.tokenizerFile(), base.tokenizer(), base.pooling(), base.normalize(), 1, base.device());
    return speedMetrics(SpeedComparison.run(oneThread, head, student, texts, ids, c.predict.batchSize, c.evaluate.speedRepeats));
  }

  /** The speed rows against the fine-tuned teacher train-teacher published (its parameters verified against the manifest). */
  private Map<String, Object> fineTunedSpeed(DistillConfig c, List<String> labels, StudentModel student) {
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    speedSample(c, ids, texts);
    FineTunedSpec spec = FineTuneTeacher.spec(c, input(TrainTeacherStage.NAME), labels);
    try (TextTokenizer tokenizer = TextTokenizer.load(spec.tokenizerFile().localPath(), spec.tokenizer());
        FineTunedTeacher teacher = FineTunedTeacher.load(spec.paramsFile().localPath(), spec.meta(), ai.djl.Device.cpu())) {
      return speedMetrics(SpeedComparison.run(teacher, tokenizer, student, texts, ids, c.predict.batchSize, c.evaluate.speedRepeats));
    }
  }

  /** The first {@code evaluate.speedRows} test texts by id. */
  private void speedSample(DistillConfig c, List<String> ids, List<String> texts) {
    List<Row> sample =
        input(PrepareStage.NAME).read(CacheSchemas.examples())
            .filter(functions.col(Columns.SPLIT).equalTo(Split.TEST.value()))
            .orderBy(Columns.ID)
            .limit(c.evaluate.speedRows)
            .select(Columns.ID, Columns.TEXT)
            .collectAsList();
    for (Row r : sample) {
      ids.add(r.getString(0));
      texts.add(r.getString(1));
    }
  }

  private static Map<String, Object> speedMetrics(SpeedComparison.Result r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("teacherRowsPerSecond", r.teacherRowsPerSecond());
    out.put("studentRowsPerSecond", r.studentRowsPerSecond());
    out.put("teacherMedianRowsPerSecond", r.teacherMedianRowsPerSecond());
    out.put("studentMedianRowsPerSecond", r.studentMedianRowsPerSecond());
    out.put("speedup", r.speedup());
    out.put("protocol", r.protocol());
    return out;
  }
}
