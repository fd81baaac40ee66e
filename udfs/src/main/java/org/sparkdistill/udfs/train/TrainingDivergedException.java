package org.sparkdistill.udfs.train;

/**
 * A training step produced a non-finite loss or gradient: training stops at that step and writes
 * nothing after it, so the last checkpoint written before it stays the newest. The loops add
 * where it happened ({@link #at}): the epoch and batch of the driver's loop, or the epoch, round,
 * partition and local step of a data-parallel task, and the batch's first row id.
 */
public final class TrainingDivergedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final String what;
  private final String where;
  private final String kept;

  /**
   * @param what what was not finite, e.g. {@code "loss NaN"} or {@code "gradient of
   *     hidden.weight (Infinity at index 17)"}
   */
  public TrainingDivergedException(String what) {
    this(what, null, null);
  }

  private TrainingDivergedException(String what, String where, String kept) {
    super("student training diverged: " + what + (where == null ? "" : " at " + where) + "; " + (kept == null ? "nothing was published" : kept) + " (lower student.learningRate)");
    this.what = what;
    this.where = where;
    this.kept = kept;
  }

  /** The same failure, located: {@code where} names the step, e.g. {@code "epoch 2, batch 3 (first row id t-17)"}. */
  public TrainingDivergedException at(String where) {
    return new TrainingDivergedException(what, this.where == null ? where : this.where + ", " + where, kept);
  }

  /** The same failure, saying what was kept, e.g. the newest checkpoint written before it. */
  public TrainingDivergedException keeping(String kept) {
    return new TrainingDivergedException(what, where, kept);
  }

  /** Where it happened, or null when no loop has located it. */
  public String where() {
    return where;
  }

  /** This exception when it is {@code failure} or one of its causes (e.g. inside a Spark job failure), or null. */
  public static TrainingDivergedException in(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TrainingDivergedException d) {
        return d;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
