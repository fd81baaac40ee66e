package org.sparkdistill.udfs.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Cuts rows into batches bounded by total tokens, padding included, instead of by a row count: a
 * batch of {@code b} rows padded to its longest row of {@code L} tokens costs {@code b * L}
 * tokens of encoder work, and the cut keeps {@code b * L <= maxBatchTokens}. Rows are sorted by
 * length first (shortest first), so short texts form wide batches and long texts narrow ones, and
 * each model call gets about the same amount of work.
 *
 * <p>A budget of at least the tokenizer's maximum length guarantees every row fits; a row longer
 * than the budget would go alone into a batch of its own (the only case a batch exceeds it).
 */
public final class TokenBudget {
  private TokenBudget() {}

  /**
   * Plans batches over rows of {@code lengths} tokens (padding excluded).
   *
   * @return row indices per batch; every index appears in exactly one batch, each batch's rows in
   *     ascending length order
   * @throws IllegalArgumentException when {@code maxBatchTokens < 1} or a length is negative
   */
  public static List<int[]> plan(int[] lengths, int maxBatchTokens) {
    if (maxBatchTokens < 1) {
      throw new IllegalArgumentException("maxBatchTokens must be >= 1, got: " + maxBatchTokens);
    }
    Integer[] order = new Integer[lengths.length];
    for (int i = 0; i < lengths.length; i++) {
      if (lengths[i] < 0) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "token length of row %d must be >= 0, got: %d", i, lengths[i]));
      }
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> lengths[i]));
    List<int[]> batches = new ArrayList<>();
    int start = 0;
    while (start < order.length) {
      int end = start + 1;
      // Sorted ascending: the batch's longest row is its last; adding row `end` makes it the longest.
      while (end < order.length && (long) (end - start + 1) * Math.max(lengths[order[end]], 1) <= maxBatchTokens) {
        end++;
      }
      int[] batch = new int[end - start];
      for (int i = start; i < end; i++) {
        batch[i - start] = order[i];
      }
      batches.add(batch);
      start = end;
    }
    return batches;
  }
}
