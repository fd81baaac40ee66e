package org.sparkdistill.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.schema.Columns;

/** The LELP fit benchmark on two small sizes: its generated rows have the planted structure, and it fits and prints every size. */
class LelpFitBenchmarkTest {
  @Test
  void generatedRowsHaveThePlantedVariancePerClass() {
    SparkSession spark = SharedSpark.session();
    LelpFitBenchmark bench = new LelpFitBenchmark(spark, 6, 2, 2, 2);
    List<Row> rows = bench.rows(4000).collectAsList();
    assertThat(rows).hasSize(4000);
    // Class k = i mod C; feature j is uniform on [-0.5, 0.5) (variance 1/12), times 3 where j mod (k + 2) == 0 (variance 9/12).
    double[][] squares = new double[2][6];
    int[] counts = new int[2];
    for (Row r : rows) {
      long i = Long.parseLong(r.getString(r.fieldIndex(Columns.ID)).substring(1));
      int k = r.getInt(r.fieldIndex(Columns.PREDICTED));
      assertThat(k).isEqualTo((int) (i % 2));
      List<Float> h = r.getList(r.fieldIndex(Columns.FEATURES));
      assertThat(h).hasSize(6);
      counts[k]++;
      for (int j = 0; j < 6; j++) {
        squares[k][j] += h.get(j) * h.get(j);
      }
    }
    for (int k = 0; k < 2; k++) {
      for (int j = 0; j < 6; j++) {
        double expected = j % (k + 2) == 0 ? 9.0 / 12 : 1.0 / 12;
        assertThat(squares[k][j] / counts[k]).as("class %d, feature %d", k, j).isCloseTo(expected, within(expected * 0.1));
      }
    }
  }

  @Test
  void fitsEverySizeAndPrintsTheSlope() {
    LelpFitBenchmark bench = new LelpFitBenchmark(SharedSpark.session(), 8, 2, 2, 2);
    List<String> out = bench.run(List.of(2000L, 4000L));
    assertThat(out.get(0)).startsWith("LELP fit benchmark: d = 8, C = 2, S = 2, 2 partitions");
    assertThat(out).anySatisfy(l -> assertThat(l).startsWith("| 2,000 |"));
    assertThat(out).anySatisfy(l -> assertThat(l).startsWith("| 4,000 |"));
    assertThat(out.get(out.size() - 1)).startsWith("per-row slope between 2,000 and 4,000 rows:");
  }
}
