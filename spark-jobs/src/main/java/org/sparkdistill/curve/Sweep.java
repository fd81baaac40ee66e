package org.sparkdistill.curve;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.ScoreStage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.stage.TargetsStage;
import org.sparkdistill.stage.TrainStudentStage;
import org.sparkdistill.stage.TrainTeacherStage;

/**
 * Chooses the settings of one learning-curve cell on its labelled validation rows (at most {@code
 * data.split.validationPerClass} per class: what a user with that label budget has), never on test:
 *
 * <ol>
 *   <li>the teacher head: one head per {@code sweep.teacherLearningRates}, the best validation
 *       accuracy wins (ties: the earlier candidate);
 *   <li>with that head: score and targets, then for each student mode ({@code kd}, {@code labels})
 *       one student per ({@code sweep.studentLearningRates} × {@code sweep.studentDropouts}), the
 *       best validation accuracy (of the early-stopped epoch) wins.
 * </ol>
 *
 * Every candidate is an ordinary stage output under {@code <cell>/sweep/} with its manifest, so an
 * interrupted sweep resumes at the first unfinished candidate, and the chosen ones become the
 * cell's outputs ({@code outputs.train-teacher}, {@code outputs.student-<mode>}) without being
 * trained again. Cost per cell: |teacher grid| heads (seconds each) + 2 × |lr grid| × |dropout
 * grid| student trainings.
 */
final class Sweep {
  private static final Logger LOG = LoggerFactory.getLogger(Sweep.class);
  static final List<String> MODES = List.of("kd", "labels");

  private final SparkSession spark;
  private final boolean overwrite;

  Sweep(SparkSession spark, boolean overwrite) {
    this.spark = spark;
    this.overwrite = overwrite;
  }

  /**
   * A student mode's choice.
   *
   * @param candidates validation accuracy per candidate ("lr=0.01 dropout=0.5")
   */
  record ModeChoice(double learningRate, double dropout, double validationAccuracy, Map<String, Double> candidates) {}

  /**
   * A cell's choices.
   *
   * @param teacherCandidates the heads' validation accuracy per learning rate
   * @param modes per student mode
   */
  record CellChoice(
      int labelsPerClass,
      long seed,
      double teacherLearningRate,
      double teacherValidationAccuracy,
      Map<String, Double> teacherCandidates,
      Map<String, ModeChoice> modes) {

    /** The cell's configuration with the choices applied (and pointing at the chosen outputs). */
    DistillConfig apply(DistillConfig cell, String mode) {
      DistillConfig c = cell.withStudentMode(mode);
      c.teacher.learningRate = teacherLearningRate;
      c.outputs.put(TrainTeacherStage.NAME, teacherDir(cell, teacherLearningRate));
      ModeChoice m = modes.get(mode);
      c.student.learningRate = m.learningRate();
      c.student.dropout = m.dropout();
      c.outputs.put("student-" + mode, studentDir(cell, mode, m.learningRate(), m.dropout()));
      return c;
    }

    Map<String, Object> toMap() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("labelsPerClass", labelsPerClass);
      out.put("seed", seed);
      out.put("teacher.learningRate", teacherLearningRate);
      out.put("teacherValidationAccuracy", teacherValidationAccuracy);
      out.put("teacherCandidates", teacherCandidates);
      for (Map.Entry<String, ModeChoice> e : modes.entrySet()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("student.learningRate", e.getValue().learningRate());
        m.put("student.dropout", e.getValue().dropout());
        m.put("validationAccuracy", e.getValue().validationAccuracy());
        m.put("candidates", e.getValue().candidates());
        out.put(e.getKey(), m);
      }
      return out;
    }

    @SuppressWarnings("unchecked")
    static CellChoice fromMap(Map<String, Object> in) {
      Map<String, ModeChoice> modes = new LinkedHashMap<>();
      for (String mode : MODES) {
        Map<String, Object> m = (Map<String, Object>) in.get(mode);
        modes.put(
            mode,
            new ModeChoice(
                number(m.get("student.learningRate")), number(m.get("student.dropout")), number(m.get("validationAccuracy")),
                (Map<String, Double>) m.get("candidates")));
      }
      return new CellChoice(
          (int) number(in.get("labelsPerClass")),
          (long) number(in.get("seed")),
          number(in.get("teacher.learningRate")),
          number(in.get("teacherValidationAccuracy")),
          (Map<String, Double>) in.get("teacherCandidates"),
          modes);
    }
  }

  /** Runs (or resumes) the sweep of one cell, {@code cell} being its configuration. */
  CellChoice cell(DistillConfig cell, int labelsPerClass, long seed) {
    DistillConfig.SweepSettings grid = cell.sweep;
    new PrepareStage(context(cell)).run();
    new EncodeStage(context(cell)).run();
    Map<String, Double> teacherCandidates = new LinkedHashMap<>();
    double bestLr = Double.NaN;
    double bestTeacher = -1;
    for (double lr : grid.teacherLearningRates) {
      DistillConfig c = cell.copy();
      c.teacher.learningRate = lr;
      c.outputs.put(TrainTeacherStage.NAME, teacherDir(cell, lr));
      double accuracy = validationAccuracy(new TrainTeacherStage(context(c)).run());
      teacherCandidates.put(format(lr), accuracy);
      if (accuracy > bestTeacher) {
        bestTeacher = accuracy;
        bestLr = lr;
      }
    }
    LOG.info("sweep n{} s{}: teacher.learningRate {} (validation {})", labelsPerClass, seed, bestLr, bestTeacher);
    DistillConfig teacher = cell.copy();
    teacher.teacher.learningRate = bestLr;
    teacher.outputs.put(TrainTeacherStage.NAME, teacherDir(cell, bestLr));
    new ScoreStage(context(teacher)).run();
    new TargetsStage(context(teacher)).run();
    Map<String, ModeChoice> modes = new LinkedHashMap<>();
    for (String mode : MODES) {
      Map<String, Double> candidates = new LinkedHashMap<>();
      double best = -1;
      double chosenLr = Double.NaN;
      double chosenDropout = Double.NaN;
      for (double lr : grid.studentLearningRates) {
        for (double dropout : grid.studentDropouts) {
          DistillConfig c = teacher.withStudentMode(mode);
          c.student.learningRate = lr;
          c.student.dropout = dropout;
          c.outputs.put("student-" + mode, studentDir(cell, mode, lr, dropout));
          double accuracy = validationAccuracy(new TrainStudentStage(context(c)).run());
          candidates.put("lr=" + format(lr) + " dropout=" + format(dropout), accuracy);
          if (accuracy > best) {
            best = accuracy;
            chosenLr = lr;
            chosenDropout = dropout;
          }
        }
      }
      LOG.info("sweep n{} s{}: {} student lr {} dropout {} (validation {})", labelsPerClass, seed, mode, chosenLr, chosenDropout, best);
      modes.put(mode, new ModeChoice(chosenLr, chosenDropout, best, candidates));
    }
    return new CellChoice(labelsPerClass, seed, bestLr, bestTeacher, teacherCandidates, modes);
  }

  private StageContext context(DistillConfig c) {
    return new StageContext(spark, c, overwrite);
  }

  private static double validationAccuracy(StageResult result) {
    return number(result.manifest().metrics().get("validationAccuracy"));
  }

  static double number(Object value) {
    if (!(value instanceof Number n)) {
      throw new IllegalStateException("expected a number in the sweep's figures, got: " + value);
    }
    return n.doubleValue();
  }

  static String format(double value) {
    return String.format(Locale.ROOT, "%s", value);
  }

  static String teacherDir(DistillConfig cell, double lr) {
    return new Path(new Path(cell.workDir, "sweep"), "teacher-lr" + format(lr)).toString();
  }

  static String studentDir(DistillConfig cell, String mode, double lr, double dropout) {
    return new Path(new Path(cell.workDir, "sweep"), "student-" + mode + "-lr" + format(lr) + "-d" + format(dropout)).toString();
  }
}
