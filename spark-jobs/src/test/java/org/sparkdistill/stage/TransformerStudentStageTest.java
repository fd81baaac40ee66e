package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.testing.DebianSliceFixture;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;
import org.sparkdistill.udfs.student.StudentModel;

/**
 * {@code student.architecture: transformer} through the unchanged train-student, predict and evaluate
 * stages on the Debian slice's cache (240 rows, 32 tokens, one epoch): the student and its tokenizer
 * are published with their sha256 in the manifest, predictions are class distributions, and the
 * evaluation has its size and speed rows.
 */
class TransformerStudentStageTest {
  @TempDir Path work;

  @Test
  void aTransformerStudentTrainsPredictsAndIsEvaluatedFromTheCache() throws Exception {
    SparkSession spark = SharedSpark.session();
    DebianSliceFixture.copyInto(work);
    DistillConfig c = DebianSliceFixture.config(work);
    c.student.architecture = "transformer";
    c.student.transformer.layers = new java.util.ArrayList<>(List.of(0, 5));
    c.student.epochs = 1;
    c.student.batchSize = 32;
    c.evaluate.speedRows = 32;
    c.evaluate.speedRepeats = 1;
    StageContext context = new StageContext(spark, c, false);
    Map<String, Object> metrics = null;
    for (Stage stage : Chain.student(context)) {
      StageResult result = stage.run();
      if (stage instanceof EvaluateStage) {
        metrics = result.manifest().metrics();
      }
    }
    StageInput trained = context.graph().input(TrainStudentStage.NAME);
    Manifest manifest = trained.manifest();
    assertThat(manifest.settings().get("student.network")).startsWith("transformer(layers [0, 5] of the 6 of the teacher encoder with sha256 ");
    assertThat(manifest.files()).anyMatch(f -> f.endsWith("tokenizer.json")).anyMatch(f -> f.endsWith("student.params"));
    @SuppressWarnings("unchecked")
    Map<String, String> hashes = (Map<String, String>) manifest.metrics().get("files");
    assertThat(hashes).containsOnlyKeys("student.json", "student.params", "tokenizer.json");
    for (Map.Entry<String, byte[]> file : trained.files().entrySet()) {
      assertThat(hashes.get(file.getKey())).as(file.getKey()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file.getValue())));
    }
    assertThat(Files.readAllBytes(Path.of(c.encoder.tokenizer))).isEqualTo(trained.files().get("tokenizer.json"));
    // by hand: embeddings 31,036·384 + 768, two layers of 1,774,464, head 384·20 + 20
    long parameters = 31036L * 384 + 768 + 2 * 1_774_464L + 384 * 20 + 20;
    assertThat(((Number) manifest.metrics().get("studentParameters")).longValue()).isEqualTo(parameters);
    try (StudentModel student = StudentModel.load(Path.of(trained.runDir().toUri().getPath()))) {
      assertThat(student.architecture().kind()).isEqualTo("transformer");
      assertThat(student.parameterCount()).isEqualTo(parameters);
    }
    for (Row r : context.graph().input(PredictStage.NAME).read(CacheSchemas.predictions()).filter(functions.col(Columns.SPLIT).equalTo(Split.TEST.value())).limit(20).collectAsList()) {
      List<Float> p = r.getList(r.fieldIndex(Columns.PROBABILITIES));
      assertThat(p).hasSize(20);
      assertThat(p.stream().mapToDouble(Float::doubleValue).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> student = (Map<String, Object>) metrics.get("student");
    assertThat(((Number) student.get("accuracy")).doubleValue()).isBetween(0.0, 1.0);
    assertThat(((Number) metrics.get("studentParameters")).longValue()).isEqualTo(parameters);
    assertThat(((Number) metrics.get("studentToTeacherParameters")).doubleValue()).isCloseTo((double) parameters / (22_565_888L + 7_700L), org.assertj.core.data.Offset.offset(1e-9));
    @SuppressWarnings("unchecked")
    Map<String, Object> speed = (Map<String, Object>) metrics.get("speed");
    assertThat(((Number) speed.get("studentRowsPerSecond")).doubleValue()).isPositive();
    assertThat(((Number) speed.get("teacherRowsPerSecond")).doubleValue()).isPositive();
  }
}
