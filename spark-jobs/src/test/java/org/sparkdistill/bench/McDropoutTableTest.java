package org.sparkdistill.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** mc-table's selection accuracy against hand-counted cases. */
class McDropoutTableTest {
  @Test
  void theMoreCertainTeacherIsRightWhenItsLabelsHoldTheTruth() {
    List<List<String>> labels = List.of(List.of("a", "b"), List.of("c", "d"));
    List<String> truth = List.of("a", "c", "d", "b");
    // row 0: t1 more certain, holds a (right); row 1: t1 more certain, c is t2's (wrong);
    // row 2: t2 more certain, holds d (right); row 3: a tie goes to the first teacher, holds b (right)
    double[][] certainty = {{0.9, 0.8, 0.1, 0.5}, {0.2, 0.3, 0.7, 0.5}};
    assertThat(McDropoutTable.selectionAccuracy(certainty, labels, truth)).isEqualTo(0.75);
  }
}
