package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.teacher.finetune.FineTuneTeacher;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.model.Pooling;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.transformer.FineTunedMeta;
import org.sparkdistill.udfs.transformer.McMasks;

/**
 * {@code teacher.kind: finetune} through the stages on a Debian slice (4 sections, 32 tokens):
 * train-teacher publishes a hashed artifact, score writes the teacher cache from it without an
 * encode stage, and MC numbers do not depend on the batch size.
 */
class FineTuneTeacherStageTest {
  private static final List<String> SECTIONS = List.of("games", "fonts", "hamradio", "tex");

  @TempDir Path work;

  private DistillConfig config(Path dir) {
    DistillConfig c = TestConfigs.debianSlice(dir, 240);
    c.data.split.testFraction = 0.1;
    c.data.split.validationFraction = 0.2;
    c.teacher.kind = TeacherKind.FINETUNE;
    c.teacher.labels = new ArrayList<>(SECTIONS);
    c.data.split.labelledPerClass = 5;
    c.teacher.finetune.epochs = 2;
    c.teacher.finetune.batchSize = 8;
    c.teacher.finetune.mcLayers = 1;
    c.score.mcPasses = 2;
    c.score.batchSize = 16;
    return c;
  }

  @Test
  void trainsPublishesAHashedArtifactAndScoresFromIt() throws Exception {
    SparkSession spark = SharedSpark.session();
    DistillConfig c = config(work.resolve("a"));
    StageContext context = new StageContext(spark, c, false);
    assertThat(Chain.teacher(context).stream().map(Stage::name)).containsExactly("prepare", "train-teacher", "score");
    new PrepareStage(context).run();
    TrainTeacherStage train = new TrainTeacherStage(context);
    Manifest trained = train.run().manifest();
    assertThat(trained.files()).anyMatch(f -> f.endsWith(FineTunedMeta.PARAMS_FILE)).anyMatch(f -> f.endsWith(FineTunedMeta.META_FILE));
    assertThat(trained.settings()).containsEntry("teacher.kind", "finetune").containsKey("teacher.finetune.learningRate")
        // LP-FT (the default): the probe's head settings shape the teacher too
        .containsEntry("teacher.finetune.linearProbe", "true").containsKey("teacher.epochs");
    assertThat(trained.models()).containsKeys("encoder", "tokenizer");
    @SuppressWarnings("unchecked")
    Map<String, String> hashes = (Map<String, String>) trained.metrics().get("files");
    for (String file : trained.files()) {
      Path local = Path.of(train.output().dir().toUri().getPath(), file);
      String name = local.getFileName().toString();
      assertThat(hashes.get(name)).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(local))));
    }
    // 4 sections: chance is 0.25
    assertThat((double) trained.metrics().get("validationAccuracy")).isGreaterThan(0.5);

    ScoreStage score = new ScoreStage(context);
    Manifest scored = score.run().manifest();
    assertThat(scored.settings()).containsEntry("teacher.finetune.mcLayers", "1").doesNotContainKey("score.batchSize")
        // the mask generator shapes the MC numbers: a cache drawn by another one is not reused
        .containsEntry(ScoreStage.MC_MASKS, McMasks.TENSOR.version());
    // where the models ran: local mode schedules no GPU, so every task's device is the CPU
    assertThat(scored.metrics().get("devices")).isEqualTo(List.of("cpu()"));
    assertThat(trained.metrics().get("device")).isEqualTo("driver cpu()");
    Map<String, Row> first = byId(score.output().read(spark, scored, CacheSchemas.scores()).collectAsList());
    assertThat(first).hasSize((int) new PrepareStage(context).output().manifest().orElseThrow().rowCount());
    Row any = first.values().iterator().next();
    assertThat(any.getList(any.fieldIndex(Columns.LOGITS))).hasSize(4);
    assertThat(any.getList(any.fieldIndex(Columns.FEATURES))).hasSize(384);
    assertThat(first.values().stream().mapToDouble(r -> r.<Double>getAs(Columns.MUTUAL_INFO)).max().orElse(0)).isPositive();

    // Another batch size (other batches, other padding) and a rerun: the same MC numbers per row.
    DistillConfig other = config(work.resolve("b"));
    other.score.batchSize = 5;
    other.outputs.put("prepare", new PrepareStage(context).output().dir().toString());
    other.outputs.put("train-teacher", train.output().dir().toString());
    ScoreStage rescore = new ScoreStage(new StageContext(spark, other, false));
    Map<String, Row> again = byId(rescore.output().read(spark, rescore.run().manifest(), CacheSchemas.scores()).collectAsList());
    double maxDiff = 0;
    for (String id : first.keySet()) {
      List<Float> a = first.get(id).getList(first.get(id).fieldIndex(Columns.MEAN_PROBS));
      List<Float> b = again.get(id).getList(again.get(id).fieldIndex(Columns.MEAN_PROBS));
      for (int k = 0; k < a.size(); k++) {
        maxDiff = Math.max(maxDiff, Math.abs(a.get(k) - b.get(k)));
      }
    }
    assertThat(maxDiff).isLessThan(1e-4);

  }

  /**
   * A transformer student distilled from a fine-tuned teacher starts from its fine-tuned layers:
   * the plan names train-teacher's published parameters by their sha256 and depends on its output,
   * and the student's files record where its layers came from (the copy itself is checked value by
   * value in {@code TransformerStudentTest}).
   */
  @Test
  void aTransformerStudentStartsFromTheFineTunedTeachersLayers() throws Exception {
    SparkSession spark = SharedSpark.session();
    DistillConfig c = TestConfigs.debianSlice(work.resolve("student"), 160);
    c.data.split.testFraction = 0.1;
    c.data.split.validationFraction = 0.2;
    c.data.split.labelledPerClass = 2;
    c.encoder.maxLength = 16;
    c.teacher.kind = TeacherKind.FINETUNE;
    c.teacher.finetune.epochs = 1;
    c.teacher.finetune.batchSize = 16;
    c.teacher.finetune.mcLayers = 0;
    c.teacher.finetune.linearProbe = false;
    c.score.mcPasses = 1;
    c.student.architecture = "transformer";
    c.student.transformer.layers = new ArrayList<>(List.of(5));
    c.student.epochs = 1;
    c.student.batchSize = 32;
    c.evaluate.speedRows = 16;
    c.evaluate.speedRepeats = 1;
    StageContext context = new StageContext(spark, c, false);
    Manifest trained = null;
    Manifest distilled = null;
    Manifest evaluated = null;
    for (Stage stage : List.of(new PrepareStage(context), new TrainTeacherStage(context), new ScoreStage(context), new TargetsStage(context), new TrainStudentStage(context),
        new PredictStage(context), new EvaluateStage(context))) {
      Manifest m = stage.run().manifest();
      trained = stage instanceof TrainTeacherStage ? m : trained;
      distilled = stage instanceof TrainStudentStage ? m : distilled;
      evaluated = m;
    }
    // evaluate times the student against the fine-tuned teacher itself, not the ONNX encoder
    @SuppressWarnings("unchecked")
    Map<String, Object> speed = (Map<String, Object>) evaluated.metrics().get("speed");
    assertThat(speed).containsKeys("teacherRowsPerSecond", "studentRowsPerSecond", "speedup");
    assertThat((String) speed.get("protocol")).contains("teacher = the fine-tuned 6-layer encoder + head");
    assertThat(((Number) speed.get("teacherRowsPerSecond")).doubleValue()).isPositive();
    // without the probe, the frozen head's settings do not enter the teacher's plan
    assertThat(trained.settings()).containsEntry("teacher.finetune.linearProbe", "false").doesNotContainKeys(FineTuneTeacher.PROBE_SETTINGS);
    @SuppressWarnings("unchecked")
    Map<String, String> hashes = (Map<String, String>) trained.metrics().get("files");
    assertThat(distilled.settings().get("student.network"))
        .startsWith("transformer(layers [5] of the 6 of the teacher encoder with sha256 " + hashes.get(FineTunedMeta.PARAMS_FILE) + " (fine-tuned teacher parameters), ");
    assertThat(distilled.inputs()).containsEntry("teacher", trained.fingerprint());
    String studentJson = distilled.files().stream().filter(f -> f.endsWith("student.json")).findFirst().orElseThrow();
    Path json = Path.of(new TrainStudentStage(context).output().dir().toUri().getPath(), studentJson);
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).toString()).contains("\"teacherFormat\":\"finetuned\"");
  }

  @Test
  void settingsThatCannotFineTuneAreNamed() {
    DistillConfig c = config(work.resolve("c"));
    c.encoder.pooling = Pooling.CLS;
    c.encoder.precision = "int8";
    List<String> errors = new ArrayList<>();
    FineTuneTeacher.validate(c, errors);
    assertThat(errors).anyMatch(e -> e.contains("encoder.pooling must be mean")).anyMatch(e -> e.contains("encoder.precision must be fp32"));
  }

  private static Map<String, Row> byId(List<Row> rows) {
    return rows.stream().collect(Collectors.toMap(r -> r.getAs(Columns.ID), r -> r));
  }
}
