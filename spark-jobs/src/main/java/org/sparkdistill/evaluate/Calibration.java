package org.sparkdistill.evaluate;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * Temperature scaling of one model as the evaluate stage uses it: {@link #fit} on the validation
 * rows (streamed to the driver; validation is small by design), then {@link #add} every test row,
 * which scores the scaled probabilities with the same metrics as the raw ones. {@link #toMap} gives
 * the temperature, the validation NLL before and after, and the test ECE and reliability bins after
 * scaling.
 */
public final class Calibration {
  private final double temperature;
  private final long validationRows;
  private final double nllBefore;
  private final double nllAfter;
  private final ClassificationMetrics scaled;

  private Calibration(double temperature, long validationRows, double nllBefore, double nllAfter, List<String> labels, int bins) {
    this.temperature = temperature;
    this.validationRows = validationRows;
    this.nllBefore = nllBefore;
    this.nllAfter = nllAfter;
    this.scaled = new ClassificationMetrics(labels, bins);
  }

  /**
   * Fits T on {@code validation} rows of (label name, logits as float array). Rows without a label
   * are left out; without any labelled row T is 1 (no scaling) and the NLLs are NaN.
   */
  public static Calibration fit(Iterator<LabelledLogits> validation, List<String> labels, int bins) {
    List<float[]> logits = new ArrayList<>();
    List<Integer> truth = new ArrayList<>();
    while (validation.hasNext()) {
      LabelledLogits row = validation.next();
      if (row.label() >= 0) {
        logits.add(row.logits());
        truth.add(row.label());
      }
    }
    if (logits.isEmpty()) {
      return new Calibration(1.0, 0, Double.NaN, Double.NaN, labels, bins);
    }
    double t = TemperatureScaling.fit(logits, truth);
    return new Calibration(t, logits.size(), TemperatureScaling.nll(logits, truth, 1.0), TemperatureScaling.nll(logits, truth, t), labels, bins);
  }

  /** One row for fitting: the true class index (-1 when unlabelled) and the model's logits. */
  public record LabelledLogits(int label, float[] logits) {
    /** From a row whose column {@code labelColumn} holds the label name and {@code logitsColumn} the logits. */
    public static LabelledLogits of(Row row, int labelColumn, int logitsColumn, List<String> labels, boolean logitsAreProbabilities) {
      int label = row.isNullAt(labelColumn) ? -1 : labels.indexOf(row.getString(labelColumn));
      float[] z = org.sparkdistill.udfs.schema.RowArrays.floats(row.getList(logitsColumn));
      return new LabelledLogits(label, logitsAreProbabilities ? TemperatureScaling.logitsOfProbabilities(z) : z);
    }
  }

  public double temperature() {
    return temperature;
  }

  /** Adds a test row: its true class (-1 unlabelled), prediction and logits (or log-probabilities). */
  public void add(int label, int predicted, float[] logits) {
    scaled.add(label, predicted, TemperatureScaling.probabilities(logits, temperature));
  }

  /** The figures for metrics.json; {@code eceBefore} is the raw model's test ECE. */
  public Map<String, Object> toMap(double eceBefore) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("temperature", temperature);
    m.put("validationRows", validationRows);
    m.put("nllBefore", nllBefore);
    m.put("nllAfter", nllAfter);
    m.put("eceBefore", eceBefore);
    if (scaled.labelledCount() > 0) {
      m.put("eceAfter", scaled.expectedCalibrationError());
      m.put("accuracyAfter", scaled.accuracy());
      m.put("reliabilityAfter", scaled.reliability());
    }
    return m;
  }
}
