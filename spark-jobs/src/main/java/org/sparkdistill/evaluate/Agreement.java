package org.sparkdistill.evaluate;

/**
 * Agreement between two predictors on the same rows (e.g. student argmax against teacher argmax):
 * the fraction of rows on which they predict the same class. Ground truth plays no part, so
 * unlabelled rows count too.
 */
public final class Agreement {
  private long count;
  private long equal;

  /**
   * Adds one row's two predictions, class indices.
   *
   * @throws IllegalArgumentException if either is negative
   */
  public void add(int a, int b) {
    if (a < 0 || b < 0) {
      throw new IllegalArgumentException(
          "predictions must be class indices >= 0, got a=" + a + ", b=" + b);
    }
    count++;
    if (a == b) {
      equal++;
    }
  }

  /** Rows added so far. */
  public long count() {
    return count;
  }

  /**
   * Fraction of rows with equal predictions, in [0, 1].
   *
   * @throws IllegalStateException if no row was added (the rate is undefined)
   */
  public double rate() {
    if (count == 0) {
      throw new IllegalStateException("agreement rate needs at least one row, got 0");
    }
    return (double) equal / count;
  }
}
