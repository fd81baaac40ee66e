package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
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

/**
 * The teacher chain on a slice of the real Debian data with the real MiniLM encoder: schemas,
 * manifests, the transfer split's missing labels, reruns, and inputs that do not match the config.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TeacherChainTest {
  @TempDir static Path work;
  private SparkSession spark;
  private DistillConfig config;
  private StageContext context;
  private Manifest scores;

  @BeforeAll
  void runChain() {
    spark = SharedSpark.session();
    config = TestConfigs.debianSlice(work, 240);
    context = new StageContext(spark, config, false);
    new PrepareStage(context).run();
    new EncodeStage(context).run();
    new TrainTeacherStage(context).run();
    scores = new ScoreStage(context).run().manifest();
  }

  @Test
  void manifestsRecordWhatShapedEachOutput() {
    Manifest encode = new EncodeStage(context).output().requireFinished(EncodeStage.NAME);
    assertThat(encode.schemaVersion()).isEqualTo(CacheSchemas.VERSION);
    assertThat(encode.models()).containsKeys("encoder", "tokenizer");
    assertThat(encode.models().get("encoder")).hasSize(64);
    assertThat(encode.metrics().get("devices")).isEqualTo(java.util.List.of("cpu()"));
    assertThat(encode.settings())
        .containsEntry("encoder.maxLength", "32")
        .containsEntry("encoder.truncation", "true")
        .containsEntry("encoder.pooling", "mean")
        .containsEntry("encoder.normalize", "true")
        .containsEntry("encoder.precision", "fp32");
    assertThat(encode.labels()).isEqualTo(TestConfigs.DEBIAN_LABELS);
    assertThat(encode.rowCount()).isEqualTo(240);
    assertThat(encode.truncatedCount()).isPositive().isLessThanOrEqualTo(240);
    assertThat(encode.inputs()).containsOnlyKeys("texts");

    assertThat(scores.settings()).containsEntry("score.mcPasses", "8").containsEntry("score.seed", "2024").containsEntry("teacher.dropout", "0.1");
    assertThat(scores.inputs()).containsKeys("examples", "features", "teacher");
    assertThat(scores.rowCount()).isEqualTo(240);
    assertThat(scores.metrics()).containsKeys("testAccuracy", "validationAccuracy", "meanCertainty");
  }

  @Test
  void theTeacherCacheHasEveryColumnAndSaneNumbers() {
    Dataset<Row> cache = new ScoreStage(context).output().read(spark, scores, CacheSchemas.scores());
    assertThat(cache.schema().fieldNames()).containsExactly(CacheSchemas.scores().fieldNames());
    for (Row row : cache.collectAsList()) {
      List<Float> probs = row.getList(row.fieldIndex(Columns.MEAN_PROBS));
      assertThat(probs).hasSize(20);
      assertThat(probs.stream().mapToDouble(Float::doubleValue).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
      assertThat(row.getList(row.fieldIndex(Columns.FEATURES))).hasSize(384);
      double certainty = row.getAs(Columns.CERTAINTY);
      double entropy = row.getAs(Columns.ENTROPY);
      assertThat(certainty).isBetween(0.0, 1.0).isCloseTo(1 - entropy / Math.log(20), org.assertj.core.data.Offset.offset(1e-6));
      assertThat(row.<Double>getAs(Columns.MUTUAL_INFO)).isBetween(0.0, entropy + 1e-9);
    }
  }

  @Test
  void transferLabelsNeverReachTheCache() {
    // The encoding is keyed by id alone: no label to leak.
    assertThat(spark.read().parquet(work.resolve(EncodeStage.NAME).toString() + "/run-*").columns())
        .doesNotContain(Columns.LABEL, Columns.SPLIT);
    for (String stage : List.of(PrepareStage.NAME, ScoreStage.NAME)) {
      Dataset<Row> data = spark.read().parquet(work.resolve(stage).toString() + "/run-*");
      long transfer = data.filter(functions.col(Columns.SPLIT).equalTo(Split.TRANSFER.value())).count();
      assertThat(transfer).as("transfer rows in %s", stage).isPositive();
      assertThat(
              data.filter(functions.col(Columns.SPLIT).equalTo(Split.TRANSFER.value()).and(functions.col(Columns.LABEL).isNotNull()))
                  .count())
          .as("labelled transfer rows in %s", stage)
          .isZero();
    }
  }

  @Test
  void rerunningTheSameChainSkipsEveryStage() {
    assertThat(new PrepareStage(context).run().skipped()).isTrue();
    assertThat(new EncodeStage(context).run().skipped()).isTrue();
    assertThat(new TrainTeacherStage(context).run().skipped()).isTrue();
    assertThat(new ScoreStage(context).run().skipped()).isTrue();
  }

  @Test
  void aCacheFromAnotherEncoderSettingIsRefusedDownstream() {
    DistillConfig other = TestConfigs.debianSlice(work, 240);
    other.encoder.maxLength = 48;
    StageContext changed = new StageContext(spark, other, false);
    assertThatThrownBy(() -> new ScoreStage(changed).run())
        .hasMessageContaining("encode output")
        .hasMessageContaining("setting encoder.maxLength: 32 -> 48")
        .hasMessageContaining("rerun the encode stage");
    assertThatThrownBy(() -> new EncodeStage(changed).run())
        .isInstanceOf(OutputConflictException.class)
        .hasMessageContaining("setting encoder.maxLength: 32 -> 48");
  }

  @Test
  void anInt8CacheIsNeverTakenForAnFp32One() {
    DistillConfig other = TestConfigs.debianSlice(work, 240);
    other.encoder.precision = "int8";
    StageContext changed = new StageContext(spark, other, false);
    assertThatThrownBy(() -> new ScoreStage(changed).run())
        .hasMessageContaining("encode output")
        .hasMessageContaining("encoder.precision: fp32 -> int8");
    assertThatThrownBy(() -> new EncodeStage(changed).run())
        .isInstanceOf(OutputConflictException.class)
        .hasMessageContaining("encoder.precision: fp32 -> int8");
  }

  @Test
  void anotherLabelBudgetOfTheSameTextsReusesTheSharedEncoding() {
    DistillConfig budget = TestConfigs.debianSlice(work.resolve("budget-3"), 240);
    budget.data.split.labelledPerClass = 3;
    budget.data.split.labelSeed = 7L;
    budget.outputs.put(EncodeStage.NAME, work.resolve(EncodeStage.NAME).toString());
    StageContext other = new StageContext(spark, budget, false);
    Manifest prepared = new PrepareStage(other).run().manifest();
    assertThat(prepared.splitCounts().get("train")).isLessThan(scores.splitCounts().get("train"));
    assertThat(new EncodeStage(other).run().skipped()).isTrue();
    StageResult teacher = new TrainTeacherStage(other).run();
    assertThat(teacher.skipped()).isFalse();
    assertThat(teacher.manifest().splitCounts().get("train")).isEqualTo(prepared.splitCounts().get("train"));
    assertThat(new ScoreStage(other).run().manifest().rowCount()).isEqualTo(240);
  }

  @Test
  void aHeadFromAnotherConfigIsRefused() {
    DistillConfig other = TestConfigs.debianSlice(work, 240);
    other.teacher.dropout = 0.3;
    assertThatThrownBy(() -> new ScoreStage(new StageContext(spark, other, false)).run())
        .hasMessageContaining("train-teacher output")
        .hasMessageContaining("teacher.dropout: 0.1 -> 0.3");
  }

  @Test
  void missingOrCorruptModelFilesAreNamed() throws Exception {
    DistillConfig missing = TestConfigs.debianSlice(work.resolve("missing"), 240);
    missing.encoder.model = work.resolve("nope.onnx").toString();
    StageContext m = new StageContext(spark, missing, false);
    new PrepareStage(m).run();
    assertThatThrownBy(() -> new EncodeStage(m).run()).hasMessageContaining("encoder model file does not exist").hasMessageContaining("nope.onnx");

    DistillConfig corrupt = TestConfigs.debianSlice(work.resolve("missing"), 240);
    Path bad = Files.writeString(work.resolve("bad.onnx"), "not a model");
    corrupt.encoder.model = bad.toString();
    StageContext c = new StageContext(spark, corrupt, false);
    assertThatThrownBy(() -> new EncodeStage(c).run()).hasStackTraceContaining("not a loadable ONNX model").hasStackTraceContaining("bad.onnx");
    assertThat(new EncodeStage(c).output().manifest()).isEmpty();

    DistillConfig badTokenizer = TestConfigs.debianSlice(work.resolve("missing"), 240);
    badTokenizer.encoder.tokenizer = Files.writeString(work.resolve("tokenizer.json"), "{ broken").toString();
    StageContext t = new StageContext(spark, badTokenizer, false);
    assertThatThrownBy(() -> new EncodeStage(t).run()).hasMessageContaining("not a valid Hugging Face tokenizer.json").hasMessageContaining("tokenizer.json");
    assertThat(new EncodeStage(t).output().manifest()).isEmpty();
  }
}
