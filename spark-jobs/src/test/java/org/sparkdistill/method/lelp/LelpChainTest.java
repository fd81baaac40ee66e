package org.sparkdistill.method.lelp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.stage.Chain;
import org.sparkdistill.stage.EvaluateStage;
import org.sparkdistill.stage.ScoreStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageInput;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.stage.TargetsStage;
import org.sparkdistill.stage.TrainStudentStage;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.student.StudentModel;

/**
 * LELP through the unchanged stages on a four-class grouping of the real Debian slice (real
 * encoder, head teacher): the written targets are read back with parquet-hadoop's example reader
 * (not Spark, not the code under test) and Σ_s p_{c,s} is checked against softmax(logits / τ)
 * of the score cache in double precision; the student has C·S outputs and reads out C classes.
 */
public class LelpChainTest {
  @TempDir Path work;

  static final Map<String, List<String>> GROUPS = new LinkedHashMap<>();

  static {
    GROUPS.put("internet", List.of("net", "web", "mail", "httpd", "comm"));
    GROUPS.put("media", List.of("sound", "graphics", "video", "fonts", "games"));
    GROUPS.put("science", List.of("science", "math", "electronics", "hamradio"));
    GROUPS.put("system", List.of("admin", "text", "editors", "database", "tex", "vcs"));
  }

  public static DistillConfig fewClass(Path work, int rows) {
    DistillConfig c = TestConfigs.debianSlice(work, rows);
    c.data.labels = List.copyOf(GROUPS.keySet());
    c.data.labelGroups = new LinkedHashMap<>(GROUPS);
    c.targets.method = "lelp";
    c.targets.lelp.subclasses = 3;
    c.targets.lelp.teacherTemperature = 2.0;
    c.targets.lelp.subclassTemperature = 0.5;
    c.student.buckets = 4096;
    c.student.embeddingDim = 16;
    c.student.epochs = 3;
    c.student.patience = 2;
    c.student.batchSize = 32;
    c.evaluate.speed = false;
    return c;
  }

  @Test
  void lelpTargetsSumToTheTeacherProbabilitiesOnDiskAndTheStudentReadsOutClasses() throws Exception {
    SparkSession spark = SharedSpark.session();
    DistillConfig c = fewClass(work, 200);
    StageContext context = new StageContext(spark, c, false);
    for (Stage stage : Chain.teacher(context)) {
      stage.run();
    }
    Map<String, Object> evaluation = null;
    for (Stage stage : Chain.student(context)) {
      StageResult result = stage.run();
      if (stage instanceof EvaluateStage) {
        evaluation = result.manifest().metrics();
      }
    }
    StageInput targets = context.graph().input(TargetsStage.NAME);
    Manifest m = targets.manifest();
    assertThat(m.settings()).containsEntry("targets.method", "lelp").containsEntry("targets.lelp.subclasses", "3");
    assertThat(m.files()).anyMatch(f -> f.endsWith(LelpModelFiles.DIR + "/" + LelpModelFiles.METADATA)).anyMatch(f -> f.endsWith(LelpModelFiles.WEIGHTS));
    assertThat(m.metrics()).containsKey("lelpRowsPerClass");

    // Independent reader: parquet-hadoop's Group API over the files the manifests list.
    Map<String, double[]> logits = readArrays(context.graph().input(ScoreStage.NAME), "logits");
    Map<String, double[]> written = readArrays(targets, "target");
    assertThat(written).isNotEmpty();
    int classes = 4;
    int s = 3;
    double tau = 2.0;
    for (Map.Entry<String, double[]> row : written.entrySet()) {
      double[] t = row.getValue();
      assertThat(t).hasSize(classes * s);
      double[] z = logits.get(row.getKey());
      double max = Double.NEGATIVE_INFINITY;
      for (double v : z) {
        max = Math.max(max, v / tau);
      }
      double sum = 0;
      for (double v : z) {
        sum += Math.exp(v / tau - max);
      }
      for (int k = 0; k < classes; k++) {
        double pc = Math.exp(z[k] / tau - max) / sum;
        double subclasses = 0;
        for (int j = 0; j < s; j++) {
          assertThat(t[k * s + j]).isGreaterThanOrEqualTo(0);
          subclasses += t[k * s + j];
        }
        assertThat(subclasses).as("row %s class %d", row.getKey(), k).isCloseTo(pc, within(1e-6));
      }
    }

    // the manifest's subclass entropy, recomputed here from the rows read back: over the train and transfer rows,
    // Σ_c p_c H(t_c / p_c) / (Σ_c p_c log S), averaged
    Map<String, String> splits = readStrings(targets, "split");
    double entropy = 0;
    int pool = 0;
    for (Map.Entry<String, double[]> row : written.entrySet()) {
      if (!List.of("train", "transfer").contains(splits.get(row.getKey()))) {
        continue;
      }
      double h = 0;
      double mass = 0;
      for (int k = 0; k < classes; k++) {
        double pc = 0;
        for (int j = 0; j < s; j++) {
          pc += row.getValue()[k * s + j];
        }
        for (int j = 0; j < s; j++) {
          double q = row.getValue()[k * s + j] / pc;
          h -= q > 0 ? pc * q * Math.log(q) : 0;
        }
        mass += pc;
      }
      entropy += h / (mass * Math.log(s));
      pool++;
    }
    assertThat(pool).isPositive();
    assertThat(((Number) m.metrics().get("lelpSubclassEntropy")).doubleValue()).isCloseTo(entropy / pool, within(1e-6)).isBetween(0.0, 1.0);

    StageInput trained = context.graph().input(TrainStudentStage.NAME);
    try (StudentModel student = StudentModel.load(Path.of(trained.runDir().toUri().getPath()))) {
      assertThat(student.architecture().outputs()).hasSize(classes * s);
      assertThat(student.readout().outputClass()).containsExactly(0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3);
      float[][] p = student.probabilities(List.of("an http server and a mail client"));
      assertThat(p[0]).hasSize(classes);
    }
    @SuppressWarnings("unchecked")
    double accuracy = ((Number) ((Map<String, Object>) evaluation.get("student")).get("accuracy")).doubleValue();
    assertThat(accuracy).isBetween(0.0, 1.0);
    // α = 0 (the paper's student) is not recorded, so outputs made before targets.lelp.alpha existed stay up to date
    assertThat(m.settings()).doesNotContainKey("targets.lelp.alpha");
    assertThat(new LelpMethod(c).loss(m.settings(), c.student)).isInstanceOf(org.sparkdistill.udfs.train.KdLoss.class);

    // With a hard-label weight, on the same teacher outputs: the same targets (α only changes the loss), recorded, and the student trains with it.
    DistillConfig withLabels = c.copy();
    withLabels.targets.lelp.alpha = 0.9;
    withLabels.workDir = work.resolve("alpha").toString();
    for (String stage : List.of("prepare", "encode", "train-teacher", "score")) {
      withLabels.outputs.put(stage, context.output(stage).dir().toString());
    }
    StageContext alphaContext = new StageContext(spark, withLabels, false);
    for (Stage stage : Chain.student(alphaContext)) {
      stage.run();
    }
    Manifest alphaTargets = alphaContext.graph().input(TargetsStage.NAME).manifest();
    assertThat(alphaTargets.settings()).containsEntry("targets.lelp.alpha", "0.9");
    assertThat(readArrays(alphaContext.graph().input(TargetsStage.NAME), "target")).containsOnlyKeys(written.keySet()).allSatisfy((id, t) -> assertThat(t).containsExactly(written.get(id)));
    assertThat(new LelpMethod(withLabels).loss(alphaTargets.settings(), withLabels.student))
        .isInstanceOfSatisfying(org.sparkdistill.udfs.train.SubclassKdLoss.class, l -> {
          assertThat(l.alpha()).isEqualTo(0.9);
          assertThat(l.subclasses()).isEqualTo(3);
        });
    assertThat(alphaContext.graph().input(TrainStudentStage.NAME).manifest().metrics()).containsKey("validationAccuracy");

    // calibrate: tau fitted on the labelled validation rows replaces teacherTemperature. Checked against the NLL of those rows
    // (read back here: labels from prepare, logits from the score cache) scanned over a fine grid of tau in double precision.
    DistillConfig calibrated = c.copy();
    calibrated.targets.lelp.calibrate = true;
    calibrated.workDir = work.resolve("calibrated").toString();
    for (String stage : List.of("prepare", "encode", "train-teacher", "score")) {
      calibrated.outputs.put(stage, context.output(stage).dir().toString());
    }
    StageContext calContext = new StageContext(spark, calibrated, false);
    calContext.graph().stage(TargetsStage.NAME).run();
    Manifest calTargets = calContext.graph().input(TargetsStage.NAME).manifest();
    assertThat(calTargets.settings()).containsEntry("targets.lelp.calibrate", "true");
    double fitted = ((Number) calTargets.metrics().get("lelpTeacherTemperature")).doubleValue();
    Map<String, String> scoreSplits = readStrings(context.graph().input(ScoreStage.NAME), "split");
    Map<String, String> labels = readStrings(context.graph().input(ScoreStage.NAME), "label");
    List<double[]> validationLogits = new java.util.ArrayList<>();
    List<Integer> truth = new java.util.ArrayList<>();
    logits.forEach((id, z) -> {
      if ("validation".equals(scoreSplits.get(id)) && labels.get(id) != null) {
        validationLogits.add(z);
        truth.add(c.data.labels.indexOf(labels.get(id)));
      }
    });
    assertThat(calTargets.metrics().get("lelpCalibrationRows")).isEqualTo(validationLogits.size());
    java.util.function.DoubleUnaryOperator nll = t -> {
      double sum = 0;
      for (int r = 0; r < validationLogits.size(); r++) {
        double[] z = validationLogits.get(r);
        double norm = 0;
        for (double v : z) {
          norm += Math.exp(v / t);
        }
        sum += Math.log(norm) - z[truth.get(r)] / t;
      }
      return sum / validationLogits.size();
    };
    double scanned = Double.POSITIVE_INFINITY;
    for (double logT = Math.log(0.05); logT <= Math.log(20); logT += 0.001) {
      scanned = Math.min(scanned, nll.applyAsDouble(Math.exp(logT)));
    }
    assertThat(nll.applyAsDouble(fitted)).isLessThanOrEqualTo(scanned + 1e-6);
    assertThat(((Number) calTargets.metrics().get("lelpCalibrationNll")).doubleValue()).isCloseTo(nll.applyAsDouble(fitted), within(1e-6));
    // and the written targets split softmax(logits / fitted tau)
    Map<String, double[]> calWritten = readArrays(calContext.graph().input(TargetsStage.NAME), "target");
    String someId = calWritten.keySet().iterator().next();
    double[] z = logits.get(someId);
    double norm = 0;
    for (double v : z) {
      norm += Math.exp(v / fitted);
    }
    double p0 = Math.exp(z[0] / fitted) / norm;
    assertThat(calWritten.get(someId)[0] + calWritten.get(someId)[1] + calWritten.get(someId)[2]).isCloseTo(p0, within(1e-5));
  }

  /** id → the string column {@code column} (null where the row has none), read with parquet-hadoop's example Group reader. */
  static Map<String, String> readStrings(StageInput input, String column) throws IOException {
    Map<String, String> out = new HashMap<>();
    forEachRow(input, g -> out.put(g.getString("id", 0), g.getFieldRepetitionCount(column) == 0 ? null : g.getString(column, 0)));
    return out;
  }

  /** id → the float array column {@code column}, read with parquet-hadoop's example Group reader. */
  public static Map<String, double[]> readArrays(StageInput input, String column) throws IOException {
    Map<String, double[]> out = new HashMap<>();
    forEachRow(input, g -> {
      Group list = g.getGroup(column, 0);
      int n = list.getFieldRepetitionCount(0);
      double[] values = new double[n];
      for (int i = 0; i < n; i++) {
        values[i] = list.getGroup(0, i).getFloat(0, 0);
      }
      out.put(g.getString("id", 0), values);
    });
    return out;
  }

  /** Every row of the Parquet files {@code input}'s manifest lists, through parquet-hadoop's example Group reader. */
  private static void forEachRow(StageInput input, java.util.function.Consumer<Group> row) throws IOException {
    Configuration conf = new Configuration();
    for (String file : input.manifest().files()) {
      if (!file.endsWith(".parquet")) {
        continue;
      }
      org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(input.output().dir(), file);
      try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), path).withConf(conf).build()) {
        for (Group g = reader.read(); g != null; g = reader.read()) {
          row.accept(g);
        }
      }
    }
  }
}
