package org.sparkdistill.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.SharedSpark;

/** maxRows sampling and the transferFraction split mode, on a small generated file. */
class SamplingAndSplitTest {
  @TempDir Path dir;

  private final SparkSession spark = SharedSpark.session();

  private DistillConfig.DataSettings settings(int rows) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      String label = i % 10 == 0 ? "science" : i % 2 == 0 ? "net" : "games"; // 10% / 40% / 50%
      lines.add(TinyInputs.debianLine(String.format("pkg-%04d", i), "src-" + (i / 3), label, "Package " + i + "\nDoes thing " + i + "."));
    }
    return TinyInputs.settings("debian-jsonl", TinyInputs.writeLines(dir, "g.jsonl", lines.toArray(new String[0])), TinyInputs.LABELS);
  }

  @Test
  void quotasSumExactlyAndFollowTheShares() {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("a", 5L);
    counts.put("b", 3L);
    counts.put("c", 2L);
    assertThat(StratifiedSample.quotas(counts, 5)).containsExactly(Map.entry("a", 3L), Map.entry("b", 1L), Map.entry("c", 1L));
    assertThat(StratifiedSample.quotas(counts, 7).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(7);
    assertThat(StratifiedSample.quotas(counts, 10)).containsExactly(Map.entry("a", 5L), Map.entry("b", 3L), Map.entry("c", 2L));
  }

  @Test
  void maxRowsKeepsAStratifiedSeededSample() {
    DistillConfig.DataSettings data = settings(1000);
    data.maxRows = 200;
    data.split.labelledPerClass = 5;
    PreparedExamples first = new ExamplePreparer(spark, data).prepare();
    assertThat(first.report().rawRows()).isEqualTo(1000);
    assertThat(first.report().keptRows()).isEqualTo(200);
    // labels are counted on the rows that keep them; the sample itself is exactly proportional
    DistillConfig.DataSettings noTransfer = settings(1000);
    noTransfer.maxRows = 200;
    noTransfer.split.labelledPerClass = 0;
    noTransfer.split.transferFraction = 0;
    Map<String, Long> byLabel = new LinkedHashMap<>();
    for (Row row : new ExamplePreparer(spark, noTransfer).prepare().examples().groupBy("label").count().collectAsList()) {
      byLabel.put(row.getString(0), row.getLong(1));
    }
    assertThat(byLabel).containsOnly(Map.entry("science", 20L), Map.entry("net", 80L), Map.entry("games", 100L));

    data.split.seed = 43;
    List<String> otherSeed = ParquetSourceTest.sorted(new ExamplePreparer(spark, data).prepare().examples().select("id"));
    assertThat(otherSeed).isNotEqualTo(ParquetSourceTest.sorted(first.examples().select("id")));
  }

  @Test
  void transferFractionSplitsThePoolByGroup() {
    DistillConfig.DataSettings data = settings(900);
    data.split.labelledPerClass = 0;
    data.split.transferFraction = 0.5;
    PrepareReport report = new ExamplePreparer(spark, data).prepare().report();
    long pool = report.rowsBySplit().get("train") + report.rowsBySplit().get("transfer");
    assertThat(report.keptRows()).isEqualTo(900);
    assertThat(report.rowsBySplit().get("transfer")).isBetween((long) (pool * 0.4), (long) (pool * 0.6));
    assertThat(report.rowsBySplit().get("test")).isBetween(120L, 240L);
    // every label of the train split is counted
    assertThat(report.labelledRowsByLabel().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(report.rowsBySplit().get("train"));
  }
}
