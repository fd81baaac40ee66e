package org.sparkdistill.method;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.udfs.student.Readout;
import org.sparkdistill.udfs.train.StudentLoss;

/**
 * The method seam: what one distillation method (KD, LELP, MUKA, ...) contributes to the shared
 * stages, and nothing else. The {@code targets} stage resolves its {@link #teachers teacher
 * caches}, runs its {@link #fit fit step} and writes what its transform produces; the {@code
 * train-student} stage builds a student with {@link #studentOutputs} outputs, trains it with
 * {@link #loss} and saves its {@link #readout}; predict and evaluate read classes through the
 * readout. A method lives in its own package and registers a {@link Factory} in {@code
 * META-INF/services/org.sparkdistill.method.DistillationMethod$Factory}; the stages and trainers
 * never change for a new method.
 */
public interface DistillationMethod {
  /** The {@code targets.method} name. */
  String name();

  /**
   * Everything that shapes the targets, recorded in the targets' plan and manifest, keyed by the
   * config path (e.g. {@code targets.temperature}).
   */
  SortedMap<String, String> settings();

  /** The teacher caches the method reads, each with its label set. */
  List<TeacherInput> teachers();

  /**
   * Fits what the method needs over the caches (Spark work, e.g. per-class statistics) and returns
   * the transform that writes the targets. A method without a fit step returns its transform.
   *
   * @param caches each teacher role's cache rows, checked against its manifest
   */
  TargetTransform fit(Map<String, Dataset<Row>> caches);

  /** Names of the student's outputs (the target width) for the class labels {@code classes}. */
  default List<String> studentOutputs(List<String> classes) {
    return classes;
  }

  /** How the student's output probabilities become class probabilities. */
  default Readout readout(List<String> classes) {
    return Readout.identity(classes);
  }

  /**
   * The student's loss.
   *
   * @param targetSettings the settings the targets were built with (from their manifest)
   * @param student the run's student settings (e.g. α)
   */
  StudentLoss loss(SortedMap<String, String> targetSettings, DistillConfig.StudentSettings student);

  /** The student settings that shape its loss, for the train-student plan (e.g. {@code student.alpha}). */
  default SortedMap<String, String> lossSettings(DistillConfig.StudentSettings student) {
    return new java.util.TreeMap<>();
  }

  /**
   * Checks each teacher role's cache manifest before any work (e.g. that it holds the statistics
   * the method reads); throws {@link IllegalArgumentException} naming the cache and the fix.
   * Default: nothing beyond the label-set check every method gets.
   */
  default void checkCaches(Map<String, org.sparkdistill.io.Manifest> manifests, Map<String, String> sources) {}

  /**
   * True when the student must not see the pool's labels (a method whose student learns from
   * teachers alone, e.g. MUKA): the targets stage then writes a null label on the train and
   * transfer rows; validation keeps its labels for model selection, test for evaluation.
   */
  default boolean hidesPoolLabels() {
    return false;
  }

  /** Creates the method from the run's configuration. */
  interface Factory {
    String name();

    /**
     * @throws IllegalArgumentException naming the setting that is invalid
     */
    DistillationMethod create(DistillConfig config);

    /**
     * The run report's section for a run of this method (default: none): what the method's own
     * outputs say, read from finished manifests and tables only.
     */
    default java.util.Optional<org.sparkdistill.report.ReportSection> reportSection(org.sparkdistill.report.RunReport run) {
      return java.util.Optional.empty();
    }
  }
}
