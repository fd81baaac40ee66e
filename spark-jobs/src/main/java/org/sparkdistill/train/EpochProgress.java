package org.sparkdistill.train;

/**
 * How far an epoch of rounds has got: rounds finished, and the summed batch losses, batches and
 * rows of those rounds (so the epoch's mean training loss is the same whether or not it was
 * interrupted and resumed).
 */
public record EpochProgress(int round, double lossSum, long lossSteps, long rows) {
  /** The start of an epoch. */
  public static final EpochProgress START = new EpochProgress(0, 0, 0, 0);

  /** The mean loss of the batches so far (NaN before the first). */
  public double meanLoss() {
    return lossSteps == 0 ? Double.NaN : lossSum / lossSteps;
  }
}
