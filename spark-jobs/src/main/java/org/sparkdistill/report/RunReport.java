package org.sparkdistill.report;

import java.util.List;
import java.util.Map;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.curve.LearningCurve;

/**
 * What a report is made of, all finished numbers: the configuration, the evaluate stage's figures
 * per student mode ({@code metrics.json}, in order, e.g. kd then labels), the learning-curve cells
 * (empty when no curve ran) and the per-stage times read from the manifests.
 */
public record RunReport(
    DistillConfig config,
    Map<String, Map<String, Object>> evaluations,
    List<LearningCurve.Cell> curve,
    List<StageTimes.Entry> stages) {

  /** The evaluation of {@code mode}, or null. */
  public Map<String, Object> evaluation(String mode) {
    return evaluations.get(mode);
  }

  /** The first evaluation (the KD student's in a pipeline run). */
  public Map<String, Object> primary() {
    return evaluations.values().iterator().next();
  }
}
