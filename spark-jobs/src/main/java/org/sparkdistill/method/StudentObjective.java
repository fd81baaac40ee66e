package org.sparkdistill.method;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.StudentMode;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;
import org.sparkdistill.udfs.student.Readout;
import org.sparkdistill.udfs.train.KdLoss;
import org.sparkdistill.udfs.train.StudentLoss;

/**
 * What a student of one {@code student.mode} learns from the targets: which rows, against which
 * loss, with how many outputs and which readout.
 *
 * <ul>
 *   <li>{@code kd}: the method's targets on the labelled train and the unlabelled transfer rows,
 *       the method's loss, outputs and readout;
 *   <li>{@code labels}: the baseline that shows what distillation buys: the labelled train rows
 *       alone, plain cross-entropy, one output per class (the target column becomes the one-hot
 *       label, so it does not depend on the method's target width).
 * </ul>
 *
 * @param settings what shapes the student's training beyond the trainer's options (plan keys)
 */
public record StudentObjective(List<String> outputs, Readout readout, StudentLoss loss, SortedMap<String, String> settings, Column rows, boolean oneHotTargets) {

  /** The objective of {@code mode} for {@code method}, whose targets were built with {@code targetSettings}. */
  public static StudentObjective of(StudentMode mode, DistillationMethod method, SortedMap<String, String> targetSettings, DistillConfig config) {
    List<String> classes = config.data.labels;
    switch (mode) {
      case KD:
        {
          SortedMap<String, String> settings = new TreeMap<>(method.lossSettings(config.student));
          settings.put("targets.method", method.name());
          targetSettings.forEach(settings::put);
          return new StudentObjective(
              method.studentOutputs(classes),
              method.readout(classes),
              method.loss(targetSettings, config.student),
              settings,
              functions.col(Columns.SPLIT).isin(Split.TRAIN.value(), Split.TRANSFER.value()),
              false);
        }
      case LABELS:
        return new StudentObjective(
            classes, Readout.identity(classes), new KdLoss(1.0, 1.0), new TreeMap<>(), functions.col(Columns.SPLIT).equalTo(Split.TRAIN.value()), true);
      default:
        throw new IllegalArgumentException("student.mode " + mode + " has no objective");
    }
  }

  /** The rows of {@code targets} this student trains on, with the target column it needs. */
  public Dataset<Row> trainingRows(Dataset<Row> targets, List<String> classes) {
    Dataset<Row> rows = targets.filter(this.rows);
    if (!oneHotTargets) {
      return rows;
    }
    Column[] names = classes.stream().map(functions::lit).toArray(Column[]::new);
    Column index = functions.array_position(functions.array(names), functions.col(Columns.LABEL)).minus(1);
    Column oneHot =
        functions.transform(
            functions.sequence(functions.lit(0), functions.lit(classes.size() - 1)),
            i -> functions.when(i.equalTo(index), functions.lit(1f)).otherwise(functions.lit(0f)));
    return rows.withColumn(Columns.TARGET, oneHot);
  }
}
