package org.sparkdistill.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.stage.Chain;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.stage.TargetsStage;
import org.sparkdistill.testing.DebianSliceFixture;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.schema.Columns;

/** The TF-IDF baseline student: its weighted soft-target rows, and both modes on a real slice. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TfidfStudentStageTest {
  @TempDir static Path work;
  private SparkSession spark;
  private DistillConfig config;

  @BeforeAll
  void teacherChain() {
    spark = SharedSpark.session();
    config = TestConfigs.debianSlice(work, DebianSliceFixture.ROWS);
    // The teacher side and the KD targets are the JVM's shared slice fixture: the chain below skips them.
    DebianSliceFixture.copyInto(work);
    config.baseline.numFeatures = 2048;
    config.baseline.regParams = List.of(1e-3, 1e-2);
    config.baseline.maxIter = 20;
    StageContext context = new StageContext(spark, config.withStudentMode("kd"), false);
    for (Stage stage : Chain.teacher(context)) {
      stage.run();
    }
    new TargetsStage(context).run();
  }

  @Test
  void softRowsKeepTheTopKClassesRenormalisedToTheirShare() {
    StructType schema =
        new StructType()
            .add(Columns.ID, DataTypes.StringType)
            .add(Columns.TEXT, DataTypes.StringType)
            .add(Columns.TARGET, DataTypes.createArrayType(DataTypes.FloatType));
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create("a", "text a", new float[] {0.05f, 0.5f, 0.3f, 0.15f}));
    rows.add(RowFactory.create("b", "text b", new float[] {0.25f, 0.25f, 0.25f, 0.25f}));
    Dataset<Row> soft = TfidfStudentStage.softRows(spark.createDataFrame(rows, schema), 3, 0.5, 1.0);
    List<Row> out = soft.orderBy("text", "_class").collectAsList();
    assertThat(out).hasSize(6);
    // a: classes 1, 2, 3 with 0.5, 0.3, 0.15 of 0.95, times 0.5
    assertThat(out.get(0).getDouble(1)).isEqualTo(1.0);
    assertThat(out.get(0).getDouble(2)).isCloseTo(0.5 * 0.5 / 0.95, within(1e-6));
    assertThat(out.get(1).getDouble(2)).isCloseTo(0.5 * 0.3 / 0.95, within(1e-6));
    assertThat(out.get(2).getDouble(1)).isEqualTo(3.0);
    assertThat(out.get(2).getDouble(2)).isCloseTo(0.5 * 0.15 / 0.95, within(1e-6));
    // b: a four-way tie keeps the lowest class indices
    assertThat(out.subList(3, 6)).extracting(r -> r.getDouble(1)).containsExactly(0.0, 1.0, 2.0);
    assertThat(out.subList(3, 6)).allSatisfy(r -> assertThat(r.getDouble(2)).isCloseTo(0.5 / 3, within(1e-6)));
  }

  @Test
  void softRowsSharpenToTheBaselineTemperature() {
    StructType schema =
        new StructType()
            .add(Columns.ID, DataTypes.StringType)
            .add(Columns.TEXT, DataTypes.StringType)
            .add(Columns.TARGET, DataTypes.createArrayType(DataTypes.FloatType));
    // targets softmax(z / 2) of logits z = (0, 2, 4): e^0, e^1, e^2 over their sum
    double[] z = {0, 2, 4};
    float[] t2 = new float[3];
    double sum2 = Math.exp(0) + Math.exp(1) + Math.exp(2);
    for (int i = 0; i < 3; i++) {
      t2[i] = (float) (Math.exp(z[i] / 2) / sum2);
    }
    Dataset<Row> soft = TfidfStudentStage.softRows(spark.createDataFrame(List.of(RowFactory.create("a", "text a", t2)), schema), 3, 1.0, 2.0);
    List<Row> out = soft.orderBy("_class").collectAsList();
    // softmax(z / 1) written out by hand: e^0, e^2, e^4 over their sum
    double sum1 = Math.exp(0) + Math.exp(2) + Math.exp(4);
    assertThat(out).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(out.get(i).getDouble(2)).isCloseTo(Math.exp(z[i]) / sum1, within(1e-6));
    }
  }

  @Test
  void bothModesChooseOnValidationAndReportTestMetricsTheSavedModelReproduces() throws Exception {
    for (String mode : List.of("labels", "kd")) {
      StageContext context = new StageContext(spark, config.withStudentMode(mode), false);
      TfidfStudentStage stage = new TfidfStudentStage(context);
      StageResult result = stage.run();
      Manifest m = result.manifest();
      assertThat(m.metrics().get("studentMode")).isEqualTo(mode);
      assertThat(config.baseline.regParams).contains(((Number) m.metrics().get("regParam")).doubleValue());
      @SuppressWarnings("unchecked")
      Map<String, Object> byReg = (Map<String, Object>) m.metrics().get("validationAccuracyByRegParam");
      assertThat(byReg).hasSize(2);
      assertThat(((Number) m.metrics().get("validationAccuracy")).doubleValue())
          .isEqualTo(byReg.values().stream().mapToDouble(v -> ((Number) v).doubleValue()).max().orElseThrow());
      // KD rows: every labelled row once plus up to topK rows per train/transfer text
      if (mode.equals("kd")) {
        assertThat(((Number) m.metrics().get("weightedTrainingRows")).longValue()).isGreaterThan(240L);
      }
      // reload the published model with MLlib's readers and recount test accuracy by hand
      String run = stage.output().newRunDir(m.runId()).toString();
      PipelineModel features = PipelineModel.load(run + "/features");
      LogisticRegressionModel model = LogisticRegressionModel.load(run + "/model");
      Dataset<Row> test = TargetsStage.rows(context.graph().input(TargetsStage.NAME), context.config().data.labels).filter("split = 'test' AND label IS NOT NULL");
      long correct = 0;
      long n = 0;
      for (Row row : model.transform(TfidfFeatures.transform(features, test)).select(Columns.LABEL, "probability").collectAsList()) {
        Vector p = row.getAs(1);
        int argmax = 0;
        for (int i = 1; i < p.size(); i++) {
          argmax = p.apply(i) > p.apply(argmax) ? i : argmax;
        }
        correct += TestConfigs.DEBIAN_LABELS.get(argmax).equals(row.getString(0)) ? 1 : 0;
        n++;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> student = (Map<String, Object>) m.metrics().get("student");
      assertThat(((Number) student.get("accuracy")).doubleValue()).isCloseTo((double) correct / n, within(1e-9));
      // a rerun with the same plan is skipped
      assertThat(new TfidfStudentStage(context).run().skipped()).isTrue();
    }
  }
}
