package org.sparkdistill.udfs.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokenBudgetTest {
  @Test
  void cutsSortedRowsByPaddedTokensWorkedByHand() {
    // Sorted: idx 3 (2), 1 (3), 0 (5), 2 (8), 4 (8). 3 x 5 = 15 <= 16 but 4 x 8 = 32 > 16; then 2 x 8 = 16.
    List<int[]> batches = TokenBudget.plan(new int[] {5, 3, 8, 2, 8}, 16);
    assertThat(batches).containsExactly(new int[] {3, 1, 0}, new int[] {2, 4});
  }

  @Test
  void batchesNeverExceedTheBudgetAndEveryRowAppearsOnce() {
    SplittableRandom random = new SplittableRandom(5);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + random.nextInt(300);
      int maxLength = 8 + random.nextInt(120);
      int budget = maxLength + random.nextInt(4000);
      int[] lengths = new int[n];
      for (int i = 0; i < n; i++) {
        lengths[i] = 1 + random.nextInt(maxLength);
      }
      int[] seen = new int[n];
      for (int[] batch : TokenBudget.plan(lengths, budget)) {
        assertThat(batch).isNotEmpty();
        int longest = 0;
        for (int r : batch) {
          seen[r]++;
          assertThat(lengths[r]).isGreaterThanOrEqualTo(longest);
          longest = lengths[r];
        }
        assertThat((long) batch.length * longest).isLessThanOrEqualTo(budget);
      }
      assertThat(seen).containsOnly(1);
    }
  }

  @Test
  void aRowLongerThanTheBudgetGoesAloneAndBadInputIsRefused() {
    assertThat(TokenBudget.plan(new int[] {4, 40, 4}, 10)).containsExactly(new int[] {0, 2}, new int[] {1});
    assertThat(TokenBudget.plan(new int[0], 10)).isEmpty();
    assertThatThrownBy(() -> TokenBudget.plan(new int[] {1}, 0)).hasMessageContaining("maxBatchTokens must be >= 1, got: 0");
    assertThatThrownBy(() -> TokenBudget.plan(new int[] {3, -1}, 8)).hasMessageContaining("token length of row 1 must be >= 0, got: -1");
  }
}
