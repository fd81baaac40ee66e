package org.sparkdistill.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/**
 * What a checkpoint records besides weights and optimizer state: the plan it belongs to (so a
 * resume under another configuration is refused, naming the difference) and the early-stopping
 * state, so a resumed run continues exactly where the interrupted one stopped.
 */
public final class CheckpointState {
  public String fingerprint;
  public SortedMap<String, String> settings;
  public SortedMap<String, String> inputs;
  /** Last finished epoch (1-based). */
  public int epoch;

  public int bestEpoch;
  public double bestValidationAccuracy = -1;
  public List<TrainingHistory> history = new ArrayList<>();
}
