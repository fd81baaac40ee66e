package org.sparkdistill.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The train-benchmark table's figures from hand-made cells (rates, efficiency, round split, accuracy deltas). */
class TrainingBenchmarkTableTest {
  @Test
  void figuresAreComputedFromTheCells() {
    List<TrainingBenchmark.Cell> cells =
        List.of(
            // driver: 1000 rows in 2 s and 3000 rows in 2 s -> 1000 rows/s; accuracy 0.80 and 0.90
            new TrainingBenchmark.Cell(0, 1, 1000, 2, 0, 0, 0, 0, 1, 0.80),
            new TrainingBenchmark.Cell(0, 2, 3000, 2, 0, 0, 0, 0, 3, 0.90),
            // 1 task: 2000 rows in 4 s -> 500 rows/s, 10 rounds over 2 epochs
            new TrainingBenchmark.Cell(1, 1, 2000, 4, 10, 0.1, 3.0, 0.2, 2, 0.84),
            // seed 2: paired deltas vs the driver +4 and -2 points -> +1.00 ± sqrt(18) = 4.24
            new TrainingBenchmark.Cell(1, 2, 2000, 4, 10, 0.1, 3.0, 0.2, 2, 0.88),
            // 2 tasks: 3000 rows in 4 s -> 750 rows/s = 0.75 per task of 1 task's 500; 4 rounds over 2 epochs
            new TrainingBenchmark.Cell(2, 1, 3000, 4, 4, 0.04, 2.0, 0.08, 2, 0.86));
    String table = TrainingBenchmark.table(cells);
    assertThat(table).contains("| driver loop | - | 1000 | 1.00x | - | - | - | 0.8500 ± 0.0707 | +0.00 | - | 2 |");
    assertThat(table).contains("| data-parallel (gradients) | 1 | 500 | 0.50x | 1.00 | 5.0 | 10.0 / 300.0 / 20.0 | 0.8600 ± 0.0283 | +1.00 | +1.00 ± 4.24 | 2 |");
    assertThat(table).contains("| data-parallel (gradients) | 2 | 750 | 0.75x | 0.75 | 2.0 | 10.0 / 500.0 / 20.0 | 0.8600 (n=1) | +1.00 | +6.00 (n=1) | 1 |");
  }
}
