package org.sparkdistill.method.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.method.lelp.LelpChainTest;
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
import org.sparkdistill.udfs.student.Readout;
import org.sparkdistill.udfs.student.StudentModel;

/**
 * Embedding distillation through the unchanged stages on the four-class Debian slice: the written
 * targets, read back with parquet-hadoop's reader, are the score cache's features (d = 384); the
 * student has C + d outputs, its readout reads the C class logits only, and predict/evaluate see C
 * classes.
 */
class EmbeddingChainTest {
  @TempDir Path work;

  @Test
  void targetsAreTheTeacherFeaturesAndTheStudentReadsOutTheClassLogits() throws Exception {
    SparkSession spark = SharedSpark.session();
    DistillConfig c = LelpChainTest.fewClass(work, 200);
    c.targets.method = EmbeddingMethod.NAME;
    c.student.featureWeight = 3.0;
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
    assertThat(targets.manifest().settings()).containsEntry("targets.method", "embedding");
    Map<String, double[]> features = LelpChainTest.readArrays(context.graph().input(ScoreStage.NAME), "features");
    Map<String, double[]> written = LelpChainTest.readArrays(targets, "target");
    assertThat(written).hasSameSizeAs(features);
    for (Map.Entry<String, double[]> row : written.entrySet()) {
      double[] h = features.get(row.getKey());
      assertThat(row.getValue()).hasSize(384);
      for (int k = 0; k < h.length; k++) {
        assertThat(row.getValue()[k]).as("row %s feature %d", row.getKey(), k).isCloseTo(h[k], within(0.0));
      }
    }

    Manifest trained = context.graph().input(TrainStudentStage.NAME).manifest();
    assertThat(trained.settings()).containsEntry("student.featureWeight", "3.0").containsEntry("student.readout", "Readout(identity over [internet, media, science, system], then 384 auxiliary outputs)");
    StageInput student = context.graph().input(TrainStudentStage.NAME);
    try (StudentModel model = StudentModel.load(Path.of(student.runDir().toUri().getPath()))) {
      assertThat(model.architecture().outputs()).hasSize(4 + 384).startsWith("internet", "media", "science", "system").contains("feature:383");
      assertThat(model.readout()).isEqualTo(Readout.withAuxiliary(c.data.labels, 384));
      float[][] logits = model.logits(List.of("an http server and a mail client"));
      float[][] p = model.probabilities(List.of("an http server and a mail client"));
      assertThat(p[0]).hasSize(4);
      // softmax over the four class logits alone (double reference)
      double max = Math.max(Math.max(logits[0][0], logits[0][1]), Math.max(logits[0][2], logits[0][3]));
      double z = 0;
      for (int j = 0; j < 4; j++) {
        z += Math.exp(logits[0][j] - max);
      }
      for (int j = 0; j < 4; j++) {
        assertThat((double) p[0][j]).isCloseTo(Math.exp(logits[0][j] - max) / z, within(1e-6));
      }
    }
    @SuppressWarnings("unchecked")
    double accuracy = ((Number) ((Map<String, Object>) evaluation.get("student")).get("accuracy")).doubleValue();
    assertThat(accuracy).isBetween(0.0, 1.0);
  }
}
