package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;
import org.sparkdistill.udfs.student.StudentModel;

/**
 * The student side on a slice of the real data: the whole chain, what reaches training, save →
 * load → predict, and the inputs it must refuse.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StudentChainTest {
  @TempDir static Path work;
  private SparkSession spark;
  private DistillConfig config;
  private final Map<String, StageResult> results = new HashMap<>();

  static DistillConfig smallStudent(DistillConfig c) {
    c.student.buckets = 4096;
    c.student.embeddingDim = 16;
    c.student.epochs = 4;
    c.student.patience = 2;
    c.student.batchSize = 32;
    c.evaluate.speedRows = 16;
    c.evaluate.speedRepeats = 1;
    return c;
  }

  @BeforeAll
  void runChain() {
    spark = SharedSpark.session();
    config = smallStudent(TestConfigs.debianSlice(work, 240));
    for (Stage stage : Chain.full(new StageContext(spark, config, false))) {
      StageResult result = stage.run();
      results.put(result.stage() + ":" + result.path().substring(result.path().lastIndexOf('/') + 1), result);
    }
  }

  @Test
  void theWholeChainRunsAndEvaluatesBothStudents() {
    Manifest kd = results.get("evaluate:evaluation-kd").manifest();
    Manifest labels = results.get("evaluate:evaluation-labels").manifest();
    assertThat(kd.metrics()).containsKeys("student", "teacher", "agreementWithTeacher", "studentParameters", "teacherParameters", "speed");
    assertThat(((Number) kd.metrics().get("studentParameters")).longValue()).isEqualTo(4097L * 16 + 16 * 20 + 20);
    assertThat(((Number) kd.metrics().get("teacherParameters")).longValue()).isGreaterThan(22_000_000L);
    assertThat(kd.files()).anyMatch(f -> f.endsWith("metrics.json")).anyMatch(f -> f.endsWith("report.md"));
    assertThat(labels.metrics().get("studentMode")).isEqualTo("labels");
    assertThat(results.get("train-student:student-kd").manifest().settings()).containsEntry("kd.temperature", "2.0").containsEntry("student.alpha", "0.5");
    assertThat(results.get("targets:targets").manifest().labels()).isEqualTo(TestConfigs.DEBIAN_LABELS);
  }

  @Test
  void transferLabelsNeverReachTraining() {
    TargetsStage targets = new TargetsStage(new StageContext(spark, config, false));
    Dataset<Row> rows = targets.readTargets();
    Dataset<Row> transfer = rows.filter(functions.col(Columns.SPLIT).equalTo(Split.TRANSFER.value()));
    assertThat(transfer.count()).isPositive();
    assertThat(transfer.filter(functions.col(Columns.LABEL).isNotNull()).count()).isZero();
    // Every target is a distribution over the configured labels.
    for (Row r : rows.limit(50).collectAsList()) {
      List<Float> t = r.getList(r.fieldIndex(Columns.TARGET));
      assertThat(t).hasSize(20);
      assertThat(t.stream().mapToDouble(Float::doubleValue).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    }
  }

  @Test
  void savedStudentPredictsOnSparkWhatItPredictsLoadedOnTheDriver() throws Exception {
    StageContext kd = new StageContext(spark, config.withStudentMode("kd"), false);
    PredictStage predict = new PredictStage(kd);
    Map<String, Row> byId = new HashMap<>();
    predict.output().read(spark, predict.output().requireFinished(PredictStage.NAME), CacheSchemas.predictions()).collectAsList()
        .forEach(r -> byId.put(r.getAs(Columns.ID), r));
    List<Row> examples = new PrepareStage(kd).readExamples().orderBy(Columns.ID).limit(20).collectAsList();
    Path dir = Path.of(new TrainStudentStage(kd).studentDir().toUri().getPath());
    try (StudentModel student = StudentModel.load(dir)) {
      float[][] probabilities = student.probabilities(examples.stream().map(r -> r.<String>getAs(Columns.TEXT)).toList());
      for (int i = 0; i < examples.size(); i++) {
        Row predicted = byId.get(examples.get(i).<String>getAs(Columns.ID));
        List<Float> spark = predicted.getList(predicted.fieldIndex(Columns.PROBABILITIES));
        for (int c = 0; c < probabilities[i].length; c++) {
          assertThat(spark.get(c)).isCloseTo(probabilities[i][c], org.assertj.core.data.Offset.offset(1e-6f));
        }
      }
    }
  }

  @Test
  void targetsWithAnotherLabelVocabularyAreRefused() {
    DistillConfig other = smallStudent(TestConfigs.debianSlice(work, 240));
    other.data.labels = new java.util.ArrayList<>(TestConfigs.DEBIAN_LABELS);
    java.util.Collections.swap(other.data.labels, 0, 1);
    assertThatThrownBy(() -> new TrainStudentStage(new StageContext(spark, other, false)).plan())
        .hasMessageContaining("labels: [net, science")
        .hasMessageContaining("-> [science, net");
    assertThatThrownBy(() -> new TargetsStage(new StageContext(spark, other, false)).readTargets())
        .hasMessageContaining("label vocabulary")
        .hasMessageContaining("[science, net");
  }

  @Test
  void predictOnDataWithoutATextColumnNamesTheColumn() {
    StructType schema = new StructType().add("id", DataTypes.StringType).add("body", DataTypes.StringType);
    Path input = work.resolve("no-text");
    spark.createDataFrame(List.of(RowFactory.create("a", "some text")), schema).write().parquet(input.toString());
    DistillConfig c = smallStudent(TestConfigs.debianSlice(work, 240));
    c.predict.input = input.toString();
    c.outputs.put("predictions-kd", work.resolve("other-predictions").toString());
    assertThatThrownBy(() -> new PredictStage(new StageContext(spark, c, false)).run())
        .hasMessageContaining("missing column 'text'")
        .hasMessageContaining("columns present: id, body");
    assertThat(Files.exists(work.resolve("other-predictions").resolve("_manifest.json"))).isFalse();
  }

  @Test
  void nonFiniteLogitsInACacheAreRefusedNamingTheRow() {
    StructType schema = CacheSchemas.scores();
    Row bad =
        RowFactory.create("row-x", "train", "net", false, new float[] {Float.NaN, 1f}, new float[] {0f}, 0, new float[] {0.5f, 0.5f}, 0.7, 0.0, new float[] {0f, 0f}, 0.0);
    Dataset<Row> cache = spark.createDataFrame(List.of(bad), schema);
    assertThatThrownBy(() -> new org.sparkdistill.method.kd.KdTargetBuilder(2.0).build(cache, List.of("net", "web"), "cache-x").collectAsList())
        .hasStackTraceContaining("teacher cache cache-x, row id=row-x, column logits[0]: expected a finite number, got NaN");
  }

  @Test
  void pipelineReportOpensInChromiumWithEveryFigureAndNumber() throws Exception {
    DistillConfig withCurve = config.copy();
    withCurve.curve.labelsPerClass = List.of(3); // one cell beside the main run: it costs a head and two students
    withCurve.curve.seeds = List.of(1L);
    List<org.sparkdistill.curve.LearningCurve.Cell> cells = new org.sparkdistill.curve.LearningCurve(spark, withCurve, false).run();
    ReportStage report = new ReportStage(new StageContext(spark, withCurve, false));
    StageResult first = report.run();
    assertThat(first.skipped()).isFalse();
    assertThat(first.manifest().files()).contains(first.manifest().files().stream().filter(f -> f.endsWith("report.html")).findFirst().orElseThrow())
        .anyMatch(f -> f.endsWith("metrics.json"));
    Path page = Path.of(report.page().toUri().getPath());
    List<String> figures =
        List.of("quality", "kd-per-class", "learning-curve", "reliability-teacher", "reliability-kd", "reliability-labels", "confusion",
            "hist-certainty", "hist-mutual-information", "speed", "stage-times");
    String dom = org.sparkdistill.report.ReportPageCheck.check(page, figures, 11, Path.of("target", "report-screenshot.png"));
    // The numbers beside the figures are the evaluations' and the curve's own.
    Map<String, Object> kd = results.get("evaluate:evaluation-kd").manifest().metrics();
    double kdAccuracy = ((Number) ((Map<?, ?>) kd.get("student")).get("accuracy")).doubleValue();
    assertThat(dom).contains(String.format(java.util.Locale.ROOT, "%.4f", kdAccuracy));
    for (org.sparkdistill.curve.LearningCurve.Cell cell : cells) {
      assertThat(dom).contains(String.format(java.util.Locale.ROOT, "%.4f", cell.kd())).contains(String.format(java.util.Locale.ROOT, "%.4f", cell.labelsOnly()));
    }
    // The per-stage evaluate page exists too, and the whole-run report is skipped when nothing changed.
    assertThat(results.get("evaluate:evaluation-kd").manifest().files()).anyMatch(f -> f.endsWith("report.html"));
    assertThat(report.run().skipped()).isTrue();
  }

  @Test
  void uncertaintyHistogramsCountEveryCachedRowInTheRightBin() {
    Map<String, Object> kd = results.get("evaluate:evaluation-kd").manifest().metrics();
    Map<?, ?> u = (Map<?, ?>) kd.get("teacherUncertainty");
    List<?> counts = (List<?>) ((Map<?, ?>) u.get("certainty")).get("counts");
    long[] expected = new long[counts.size()];
    ScoreStage score = new ScoreStage(new StageContext(spark, config, false));
    List<Row> rows = score.readOutput(CacheSchemas.scores()).select(Columns.CERTAINTY).collectAsList();
    for (Row r : rows) {
      expected[Math.min(counts.size() - 1, (int) Math.floor(r.getDouble(0) * counts.size()))]++;
    }
    for (int i = 0; i < expected.length; i++) {
      assertThat(((Number) counts.get(i)).longValue()).as("certainty bin " + i).isEqualTo(expected[i]);
    }
    Map<?, ?> calibration = (Map<?, ?>) ((Map<?, ?>) kd.get("calibration")).get("student");
    assertThat(((Number) calibration.get("temperature")).doubleValue()).isBetween(0.05, 20.0);
    assertThat(((Number) calibration.get("nllAfter")).doubleValue()).isLessThanOrEqualTo(((Number) calibration.get("nllBefore")).doubleValue() + 1e-9);
  }
}
