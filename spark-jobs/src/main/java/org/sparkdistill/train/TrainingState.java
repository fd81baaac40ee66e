package org.sparkdistill.train;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/**
 * Where a training run stands, shared by the loop and its listeners, and saved in every
 * checkpoint (the JSON fields): the plan it belongs to (so a resume under another configuration
 * is refused, naming the difference), the epoch, the early-stopping state and the history. The
 * best epoch's parameters travel beside it ({@link #bestParameters}, saved as a checkpoint file).
 */
public final class TrainingState {
  public String fingerprint;
  public SortedMap<String, String> settings;
  public SortedMap<String, String> inputs;
  /** Last finished epoch (1-based); 0 before the first. */
  public int epoch;

  /**
   * Data-parallel rounds already finished in epoch {@code epoch + 1} (a checkpoint written every
   * {@code student.checkpointEveryRounds} rounds); 0 at an epoch's end. With the epoch it is the
   * data position: the epoch's shuffle is seeded, so each partition resumes after its first
   * {@code round * localSteps * batchSize} rows.
   */
  public int round;

  /** Summed batch losses, batches and rows of the {@link #round} rounds done (the epoch's mean loss continues from them). */
  public double roundLossSum;

  public long roundLossSteps;
  public long roundRows;

  public int bestEpoch;
  public double bestValidationAccuracy = -1;
  public List<TrainingHistory> history = new ArrayList<>();

  /** The best epoch's parameters in the student's format ({@code StudentModel.saveParameters}). */
  @JsonIgnore public byte[] bestParameters;

  /** Set by a listener that ends training after this epoch (early stopping); saved, so a resume stops too. */
  public boolean stopRequested;

  /** Where epoch {@code epoch + 1} starts: its first round, or where a mid-epoch checkpoint left it. */
  @JsonIgnore
  public EpochProgress progress() {
    return new EpochProgress(round, roundLossSum, roundLossSteps, roundRows);
  }

  /** Records the rounds done in epoch {@code epoch + 1} ({@link EpochProgress#START} at an epoch's end). */
  public void progress(EpochProgress p) {
    round = p.round();
    roundLossSum = p.lossSum();
    roundLossSteps = p.lossSteps();
    roundRows = p.rows();
  }

  /** Validation accuracy of the epoch that just ended. */
  @JsonIgnore
  public double lastValidationAccuracy() {
    return history.isEmpty() ? Double.NaN : history.get(history.size() - 1).validationAccuracy();
  }
}
