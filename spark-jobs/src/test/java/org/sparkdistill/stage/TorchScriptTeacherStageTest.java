package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DataFormat;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;

/** The whole-model TorchScript teacher kind: prepare -> score in one pass, with the committed fixture. */
class TorchScriptTeacherStageTest {
  @TempDir Path work;

  private DistillConfig config(Path dataDir, List<String> labels) {
    DistillConfig c = TestConfigs.debianSlice(work, 0);
    c.data.format = DataFormat.PARQUET;
    c.data.path = dataDir.toString();
    c.data.labels = labels;
    c.data.split.labelledPerClass = 4;
    c.teacher.kind = TeacherKind.TORCHSCRIPT;
    c.teacher.torchscript = TestConfigs.projectRoot().resolve("udfs/src/test/resources/teachers/tiny-teacher.pt").toString();
    c.score.batchSize = 8;
    return c;
  }

  private Path writeData(SparkSession spark) {
    return writeData(spark, List.of("a", "b", "c"));
  }

  /** 90 rows spread over {@code labels} (prepare refuses a configured class without training rows). */
  private Path writeData(SparkSession spark, List<String> labels) {
    StructType schema =
        new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType).add("label", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    String[] words = {"network daemon", "chess game", "font family", "mail server", "math library"};
    for (int i = 0; i < 90; i++) {
      rows.add(RowFactory.create("row-" + i, "package " + i + " provides a " + words[i % 5] + " variant " + i, labels.get(i % labels.size())));
    }
    Path dir = work.resolve("raw");
    spark.createDataFrame(rows, schema).repartition(2).write().parquet(dir.toString());
    return dir;
  }

  @Test
  void scoresTextsInOnePassAndRetriesWriteTheSameNumbers() {
    SparkSession spark = SharedSpark.session();
    DistillConfig c = config(writeData(spark), List.of("a", "b", "c"));
    StageContext context = new StageContext(spark, c, false);
    new PrepareStage(context).run();
    ScoreStage score = new ScoreStage(context);
    Manifest manifest = score.run().manifest();
    assertThat(manifest.rowCount()).isEqualTo(90);
    assertThat(manifest.models()).containsKeys("teacher", "tokenizer");
    assertThat(manifest.settings()).containsEntry("teacher.kind", "torchscript").containsEntry("score.batchSize", "8");
    Map<String, Row> first = byId(score.output().read(spark, manifest, CacheSchemas.scores()).collectAsList());
    Row any = first.values().iterator().next();
    assertThat(any.getList(any.fieldIndex(Columns.LOGITS))).hasSize(3);
    assertThat(any.getList(any.fieldIndex(Columns.FEATURES))).hasSize(16);
    assertThat(first.values().stream().mapToDouble(r -> r.<Double>getAs(Columns.MUTUAL_INFO)).max().orElse(0)).isPositive();

    // A second run of the same partitions (what a Spark retry does) writes identical MC numbers.
    DistillConfig again = config(Path.of(c.data.path), List.of("a", "b", "c"));
    again.workDir = work.resolve("again").toString();
    StageContext second = new StageContext(spark, again, false);
    new PrepareStage(second).run();
    ScoreStage rescore = new ScoreStage(second);
    Map<String, Row> repeat = byId(rescore.output().read(spark, rescore.run().manifest(), CacheSchemas.scores()).collectAsList());
    for (String id : first.keySet()) {
      assertThat(repeat.get(id).getList(repeat.get(id).fieldIndex(Columns.MEAN_PROBS))).isEqualTo(first.get(id).getList(first.get(id).fieldIndex(Columns.MEAN_PROBS)));
      assertThat(repeat.get(id).<Double>getAs(Columns.MUTUAL_INFO)).isEqualTo(first.get(id).getAs(Columns.MUTUAL_INFO));
    }
  }

  @Test
  void aTeacherWhoseLogitsDoNotMatchTheLabelsIsRefused() {
    SparkSession spark = SharedSpark.session();
    DistillConfig c = config(writeData(spark, List.of("a", "b", "c", "d")), List.of("a", "b", "c", "d"));
    StageContext context = new StageContext(spark, c, false);
    new PrepareStage(context).run();
    assertThatThrownBy(() -> new ScoreStage(context).run())
        .hasStackTraceContaining("returns 3 logits per row, the config names 4 labels");
    assertThat(new ScoreStage(context).output().manifest()).isEmpty();
  }

  private static Map<String, Row> byId(List<Row> rows) {
    return rows.stream().collect(Collectors.toMap(r -> r.getAs(Columns.ID), r -> r));
  }
}
