package org.sparkdistill.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;

/** The scale benchmark on two small sizes: every stage at every size, resumable, and its encode output kept apart. */
class ScaleBenchmarkTest {
  @TempDir Path work;

  private DistillConfig config() {
    DistillConfig c = new DistillConfig();
    c.workDir = work.toString();
    c.data.labels = List.of("alpha", "beta", "gamma");
    c.data.split.labelledPerClass = 20;
    c.encoder.model = TestConfigs.encoderDir().resolve("all-minilm-l6-v2.onnx").toString();
    c.encoder.tokenizer = TestConfigs.encoderDir().resolve("all-minilm-l6-v2-tokenizer.json").toString();
    c.teacher.epochs = 20;
    c.teacher.patience = 5;
    c.score.mcPasses = 4;
    c.student.buckets = 4096;
    return c;
  }

  @Test
  void everyStageAtEverySizeThenResumes() {
    SparkSession spark = SharedSpark.session();
    DistillConfig config = config();
    StageContext context = new StageContext(spark, config, false);
    ScaleBenchmark bench = new ScaleBenchmark(context, 64, 3);
    List<ScaleBenchmark.Size> sizes = bench.run(List.of(1200L, 2400L));

    assertThat(sizes).extracting(ScaleBenchmark.Size::rows).containsExactly(1200L, 2400L);
    for (ScaleBenchmark.Size size : sizes) {
      assertThat(size.cells()).extracting(ScaleBenchmark.Cell::stage).containsExactlyElementsOf(ScaleBenchmark.STAGES);
      assertThat(size.cells()).allSatisfy(c -> assertThat(c.reused()).isFalse());
      // Every generated text is distinct, so prepare keeps them all and encode and score see every row.
      for (String stage : List.of("prepare", "encode", "score", "targets", "predict")) {
        assertThat(size.cells().stream().filter(c -> c.stage().equals(stage)).findFirst().orElseThrow().outputRows()).as(stage).isEqualTo(size.rows());
      }
      assertThat(size.peakHeap()).isPositive().isLessThanOrEqualTo(size.maxHeap());
    }
    // Read back with Spark's own Parquet reader, not through the stage: unit-length hashed vectors of 64 floats.
    String encodeDir = bench.config(2400).workDir + "/encode";
    Dataset<Row> features = spark.read().parquet(encodeDir + "/run-*");
    assertThat(features.count()).isEqualTo(2400);
    for (Row r : features.limit(50).collectAsList()) {
      List<Float> v = r.getList(r.fieldIndex("features"));
      assertThat(v).hasSize(64);
      assertThat(v.stream().mapToDouble(x -> x * x).sum()).isCloseTo(1.0, within(1e-5));
    }

    // A rerun reuses every stage with the times its manifests recorded.
    List<ScaleBenchmark.Size> again = new ScaleBenchmark(new StageContext(spark, config, false), 64, 3).run(List.of(1200L, 2400L));
    for (int s = 0; s < 2; s++) {
      for (int i = 0; i < ScaleBenchmark.STAGES.size(); i++) {
        ScaleBenchmark.Cell first = sizes.get(s).cells().get(i);
        ScaleBenchmark.Cell second = again.get(s).cells().get(i);
        assertThat(second.reused()).as(second.stage()).isTrue();
        assertThat(second.seconds()).as(second.stage()).isCloseTo(first.seconds(), within(0.051));
      }
    }
    String table = ScaleBenchmark.table(again);
    assertThat(table).contains("| score |", "| train-student |", "| encode (hashing stand-in) |", "1,200 rows", "2,400 rows", "heap in use at most");

    // The built-in encode stage never takes the hashing output for its own.
    StageContext builtIn = new StageContext(spark, bench.config(2400), false);
    assertThatThrownBy(() -> builtIn.graph().input(EncodeStage.NAME))
        .hasMessageContaining("does not match the configuration")
        .hasMessageContaining("encoder.kind");
  }

  @Test
  void leastSquaresFit() {
    // seconds = 1 + 2·rows exactly
    double[] ab = ScaleBenchmark.fit(new long[] {1, 2, 3}, new double[] {3, 5, 7});
    assertThat(ab[0]).isCloseTo(1.0, within(1e-12));
    assertThat(ab[1]).isCloseTo(2.0, within(1e-12));
    // rows 0, 10 with seconds 1, 3 and 5, 7 around them: a = 2, b = 0.4
    double[] noisy = ScaleBenchmark.fit(new long[] {0, 0, 10, 10}, new double[] {1, 3, 5, 7});
    assertThat(noisy[0]).isCloseTo(2.0, within(1e-12));
    assertThat(noisy[1]).isCloseTo(0.4, within(1e-12));
    assertThat(ScaleBenchmark.fit(new long[] {5}, new double[] {1})[1]).isNaN();
  }

  @Test
  void aReplacementKeepsTheName() {
    StageContext context = new StageContext(SharedSpark.session(), config(), false)
        .replacing(EncodeStage.NAME, ctx -> new org.sparkdistill.stage.TargetsStage(ctx));
    assertThatThrownBy(() -> context.graph().stage(EncodeStage.NAME))
        .hasMessageContaining("the stage replacing 'encode' is named 'targets'");
  }
}
