package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;
import org.sparkdistill.udfs.student.StudentModel;

/**
 * A method and a student that exist only in the test sources ({@code testing/plugins}, registered
 * as services in the test resources) run through the unchanged targets, train-student, predict
 * and evaluate stages: a target twice as wide as the label set with its own readout, and a
 * student architecture written from scratch.
 */
class PluginSeamsTest {
  @TempDir Path work;

  @Test
  void aTestOnlyMethodAndStudentRunThroughTheSharedStages() throws Exception {
    SparkSession spark = SharedSpark.session();
    DistillConfig c = TestConfigs.debianSlice(work, 160);
    c.targets.method = "twin";
    c.student.architecture = "trigram-bag";
    c.student.buckets = 2048;
    c.student.embeddingDim = 8;
    c.student.epochs = 3;
    c.student.patience = 2;
    c.student.batchSize = 32;
    c.evaluate.speed = false;
    StageContext context = new StageContext(spark, c, false);
    for (Stage stage : Chain.teacher(context)) {
      stage.run();
    }
    Map<String, Object> metrics = null;
    for (Stage stage : Chain.student(context)) {
      StageResult result = stage.run();
      if (stage instanceof EvaluateStage) {
        metrics = result.manifest().metrics();
      }
    }
    int classes = TestConfigs.DEBIAN_LABELS.size();
    StageInput targets = context.graph().input(TargetsStage.NAME);
    assertThat(targets.manifest().settings()).containsEntry("targets.method", "twin").containsEntry("targets.twin", "halves");
    for (Row r : targets.read(CacheSchemas.targets()).limit(20).collectAsList()) {
      List<Float> t = r.getList(r.fieldIndex(Columns.TARGET));
      assertThat(t).hasSize(2 * classes);
      assertThat(t.get(0)).isEqualTo(t.get(1));
    }
    StageInput trained = context.graph().input(TrainStudentStage.NAME);
    String json = new String(trained.files().get(StudentModel.CONFIG_FILE), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(json).contains("\"architecture\" : \"trigram-bag\"").contains("\"net#1\"");
    try (StudentModel student = StudentModel.load(Path.of(trained.runDir().toUri().getPath()))) {
      assertThat(student.architecture().outputs()).hasSize(2 * classes);
      assertThat(student.readout().isIdentity()).isFalse();
      float[][] p = student.probabilities(List.of("a web server with a mail client"));
      assertThat(p[0]).hasSize(classes);
    }
    // Predictions are class probabilities through the readout: C values summing to 1.
    for (Row r : context.graph().input(PredictStage.NAME).read(CacheSchemas.predictions()).filter(functions.col(Columns.SPLIT).equalTo(Split.TEST.value())).limit(20).collectAsList()) {
      List<Float> p = r.getList(r.fieldIndex(Columns.PROBABILITIES));
      assertThat(p).hasSize(classes);
      assertThat(p.stream().mapToDouble(Float::doubleValue).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    }
    @SuppressWarnings("unchecked")
    double accuracy = ((Number) ((Map<String, Object>) metrics.get("student")).get("accuracy")).doubleValue();
    assertThat(accuracy).isBetween(0.0, 1.0);
    assertThat(Files.exists(work.resolve("student-kd"))).isTrue();
  }

  @Test
  void anUnknownMethodOrStudentListsTheRegisteredOnes() {
    SparkSession spark = SharedSpark.session();
    DistillConfig c = TestConfigs.debianSlice(work, 40);
    c.targets.method = "nope";
    assertThatThrownBy(() -> org.sparkdistill.method.DistillationMethods.of(c))
        .hasMessageContaining("targets.method must be one of [embedding, kd, lelp, muka, twin]")
        .hasMessageContaining("got: nope");
    c.targets.method = "kd";
    c.student.architecture = "nope";
    assertThatThrownBy(() -> TrainStudentStage.architecture(c, List.of("a", "b")))
        .hasMessageContaining("student.architecture must be one of [ngram-bag, transformer, trigram-bag]")
        .hasMessageContaining("got: nope");
    assertThat(spark).isNotNull();
  }

  /** Stages beyond the text chain come from StageProvider services (the graph names no method); a repeated name is refused. */
  @Test
  void providedStagesResolveAndARepeatedStageNameIsRefused() {
    SparkSession spark = SharedSpark.session();
    StageContext context = new StageContext(spark, TestConfigs.debianSlice(work, 40), false);
    assertThat(context.graph().stage(org.sparkdistill.method.pmd.TeacherRankingStage.NAME)).isInstanceOf(org.sparkdistill.method.pmd.TeacherRankingStage.class);
    assertThat(context.graph().stage(org.sparkdistill.kg.KgGraphStage.NAME)).isInstanceOf(org.sparkdistill.kg.KgGraphStage.class);
    assertThatThrownBy(() -> context.graph().stage("nope"))
        .hasMessageContaining("unknown stage 'nope'")
        .hasMessageContaining(org.sparkdistill.method.pmd.ZeroShotStage.NAME)
        .hasMessageContaining(PrepareStage.NAME);
    Map<String, java.util.function.Function<StageContext, Stage>> out = new java.util.LinkedHashMap<>();
    Map<String, String> from = new java.util.HashMap<>();
    StageGraph.add(out, from, "the text chain", Map.of(PrepareStage.NAME, PrepareStage::new));
    assertThatThrownBy(() -> StageGraph.add(out, from, "com.example.Mine", Map.of(PrepareStage.NAME, PrepareStage::new)))
        .hasMessage("stage 'prepare' is registered by both the text chain and com.example.Mine: a stage name must be unique");
  }
}
