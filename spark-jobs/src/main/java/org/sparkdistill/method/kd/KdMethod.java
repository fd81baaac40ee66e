package org.sparkdistill.method.kd;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.method.DistillationMethod;
import org.sparkdistill.method.TargetSchema;
import org.sparkdistill.method.TargetTransform;
import org.sparkdistill.method.TeacherInput;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.train.KdLoss;
import org.sparkdistill.udfs.train.StudentLoss;
import org.sparkdistill.udfs.uncertainty.Softmax;

/**
 * Plain knowledge distillation (Hinton et al. 2015) on this run's teacher cache: target =
 * softmax(logits / T), weight 1; the student's loss is α·CE(label) + (1 − α)·T²·KL(target ‖
 * softmax(s / T)) with the same T ({@link KdLoss}). No fit step. Cost: C exps per row.
 */
public final class KdMethod implements DistillationMethod {
  public static final String NAME = "kd";
  /** The targets' setting the student's loss reads back. */
  public static final String TEMPERATURE = "targets.temperature";

  private final double temperature;
  private final List<String> labels;

  public KdMethod(double temperature, List<String> labels) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("targets.temperature must be a positive number, got: " + temperature);
    }
    this.temperature = temperature;
    this.labels = List.copyOf(labels);
  }

  /** Registers {@code targets.method: kd}. */
  public static final class Factory implements DistillationMethod.Factory {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public DistillationMethod create(DistillConfig config) {
      return new KdMethod(config.targets.temperature, config.data.labels);
    }

    @Override
    public java.util.Optional<org.sparkdistill.report.ReportSection> reportSection(org.sparkdistill.report.RunReport run) {
      return java.util.Optional.of(KdReportSection.of(run));
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public SortedMap<String, String> settings() {
    SortedMap<String, String> s = new TreeMap<>();
    s.put(TEMPERATURE, Double.toString(temperature));
    return s;
  }

  @Override
  public List<TeacherInput> teachers() {
    return List.of(new TeacherInput("teacher", "score", labels));
  }

  @Override
  public TargetTransform fit(Map<String, Dataset<Row>> caches) {
    return (rows, sources) ->
        rows.get("teacher")
            .select(Columns.ID, Columns.LOGITS)
            .map(new Tempered(temperature, labels.size(), sources.get("teacher")), Encoders.row(TargetSchema.ROWS));
  }

  @Override
  public StudentLoss loss(SortedMap<String, String> targetSettings, DistillConfig.StudentSettings student) {
    String t = targetSettings.get(TEMPERATURE);
    if (t == null) {
      throw new IllegalStateException("the targets' manifest records no " + TEMPERATURE + ": rebuild the targets stage (with --overwrite)");
    }
    return new KdLoss(student.alpha, Double.parseDouble(t));
  }

  @Override
  public SortedMap<String, String> lossSettings(DistillConfig.StudentSettings student) {
    SortedMap<String, String> s = new TreeMap<>();
    s.put("student.alpha", Double.toString(student.alpha));
    return s;
  }

  /** softmax(logits / T) per row, refusing non-finite logits and wrong widths. */
  private static final class Tempered implements MapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final double temperature;
    private final int classes;
    private final String source;

    Tempered(double temperature, int classes, String source) {
      this.temperature = temperature;
      this.classes = classes;
      this.source = source;
    }

    @Override
    public Row call(Row row) {
      String id = row.getString(0);
      List<Float> list = row.getList(1);
      if (list.size() != classes) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "teacher cache %s, row id=%s: logits has %d values, the label set has %d", source, id, list.size(), classes));
      }
      float[] logits = RowArrays.floats(list);
      for (int i = 0; i < classes; i++) {
        if (!Float.isFinite(logits[i])) {
          throw new IllegalArgumentException(
              String.format(Locale.ROOT, "teacher cache %s, row id=%s, column logits[%d]: expected a finite number, got %s", source, id, i, logits[i]));
        }
      }
      return RowFactory.create(id, Softmax.softmax(logits, temperature), 1.0);
    }
  }
}
