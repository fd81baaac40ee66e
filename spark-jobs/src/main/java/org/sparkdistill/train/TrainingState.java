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

  public int bestEpoch;
  public double bestValidationAccuracy = -1;
  public List<TrainingHistory> history = new ArrayList<>();

  /** The best epoch's parameters in the student's format ({@code StudentModel.saveParameters}). */
  @JsonIgnore public byte[] bestParameters;

  /** Set by a listener that ends training after this epoch (early stopping); saved, so a resume stops too. */
  public boolean stopRequested;

  /** Validation accuracy of the epoch that just ended. */
  @JsonIgnore
  public double lastValidationAccuracy() {
    return history.isEmpty() ? Double.NaN : history.get(history.size() - 1).validationAccuracy();
  }
}
