package org.sparkdistill.evaluate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Accumulates {@code (trueLabel, predicted, probabilities)} rows of a C-class problem and reports
 * accuracy, macro-F1, expected calibration error (ECE) and the confusion matrix. Streaming: memory
 * is O(C^2 + bins) whatever the number of rows.
 *
 * <p>A {@code trueLabel} of -1 marks an unlabelled row (e.g. a pool row scored only to compare
 * student and teacher): it is counted by {@link #count()} but takes no part in accuracy, F1, ECE or
 * the confusion matrix, which all use the {@link #labelledCount()} labelled rows.
 *
 * <ul>
 *   <li><b>accuracy</b>: fraction of labelled rows with {@code predicted == trueLabel}.
 *   <li><b>macro-F1</b>: unweighted mean over classes of F1 = 2PR / (P + R), with precision P =
 *       TP / predicted-as-class and recall R = TP / true-class rows; a 0/0 precision or recall is 0,
 *       and so is F1 when P + R is 0. A class with neither true nor predicted labelled rows is
 *       <em>skipped</em> (left out of the mean), since it says nothing about the predictor; a class
 *       that is predicted but never true (or true but never predicted) is kept, with F1 0.
 *   <li><b>ECE</b>: the confidence of a row is its largest probability (whichever class is {@code
 *       predicted}). Labelled rows fall into {@code calibrationBins} equal-width bins over [0, 1]
 *       (bin b holds [b/B, (b+1)/B), the last bin also holds 1), and ECE = sum over bins of |B| / n *
 *       |acc(B) - conf(B)|, where acc(B) is the bin's accuracy and conf(B) its mean confidence. 0 is
 *       perfectly calibrated; more bins resolve finer but noisier. The usual choice is 15 bins.
 * </ul>
 *
 * <p>Metrics over labelled rows throw {@link IllegalStateException} while there are none.
 */
public final class ClassificationMetrics {
  /** The conventional number of ECE bins (Guo et al., 2017). */
  public static final int DEFAULT_CALIBRATION_BINS = 15;

  private final List<String> labels;
  private final int classes;
  private final long[][] confusion;
  private final long[] binCount;
  private final long[] binCorrect;
  private final double[] binConfidence;
  private long count;
  private long labelled;

  /** With {@link #DEFAULT_CALIBRATION_BINS} ECE bins. */
  public ClassificationMetrics(List<String> labels) {
    this(labels, DEFAULT_CALIBRATION_BINS);
  }

  /**
   * @param labels class names, index i naming class i; at least one, distinct, none null or blank
   * @param calibrationBins number of equal-width confidence bins for ECE, at least 1
   */
  public ClassificationMetrics(List<String> labels, int calibrationBins) {
    if (labels == null || labels.isEmpty()) {
      throw new IllegalArgumentException("labels must name at least one class, got " + labels);
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < labels.size(); i++) {
      String label = labels.get(i);
      if (label == null || label.isBlank()) {
        throw new IllegalArgumentException("labels must not be null or blank, got '" + label + "' at index " + i);
      }
      if (!seen.add(label)) {
        throw new IllegalArgumentException("labels must be distinct, got '" + label + "' twice in " + labels);
      }
    }
    if (calibrationBins < 1) {
      throw new IllegalArgumentException("calibrationBins must be at least 1, got " + calibrationBins);
    }
    this.labels = List.copyOf(labels);
    this.classes = labels.size();
    this.confusion = new long[classes][classes];
    this.binCount = new long[calibrationBins];
    this.binCorrect = new long[calibrationBins];
    this.binConfidence = new double[calibrationBins];
  }

  /**
   * Adds one row.
   *
   * @param trueLabel class index in [0, C), or -1 for an unlabelled row
   * @param predicted class index in [0, C)
   * @param probabilities C values, each finite and in [0, 1]
   * @throws IllegalArgumentException naming the rule and the bad value
   */
  public void add(int trueLabel, int predicted, float[] probabilities) {
    if (trueLabel < -1 || trueLabel >= classes) {
      throw new IllegalArgumentException(
          "trueLabel must be -1 (unlabelled) or in [0, " + classes + "), got " + trueLabel);
    }
    if (predicted < 0 || predicted >= classes) {
      throw new IllegalArgumentException("predicted must be in [0, " + classes + "), got " + predicted);
    }
    if (probabilities == null || probabilities.length != classes) {
      throw new IllegalArgumentException(
          "probabilities must have one value per class (" + classes + "), got "
              + (probabilities == null ? "null" : probabilities.length + " values"));
    }
    double confidence = 0;
    for (int i = 0; i < classes; i++) {
      float p = probabilities[i];
      if (!(p >= 0f && p <= 1f)) {
        throw new IllegalArgumentException("probabilities must be in [0, 1], got " + p + " at index " + i);
      }
      confidence = Math.max(confidence, p);
    }
    count++;
    if (trueLabel == -1) {
      return;
    }
    labelled++;
    confusion[trueLabel][predicted]++;
    int bin = Math.min((int) (confidence * binCount.length), binCount.length - 1);
    binCount[bin]++;
    binConfidence[bin] += confidence;
    if (trueLabel == predicted) {
      binCorrect[bin]++;
    }
  }

  /** All rows added, labelled or not. */
  public long count() {
    return count;
  }

  /** Rows with a true label (not -1). */
  public long labelledCount() {
    return labelled;
  }

  /** Fraction of labelled rows predicted correctly. */
  public double accuracy() {
    requireLabelled("accuracy");
    long correct = 0;
    for (int c = 0; c < classes; c++) {
      correct += confusion[c][c];
    }
    return (double) correct / labelled;
  }

  /** Mean F1 over the classes that have true or predicted labelled rows (see the class comment). */
  public double macroF1() {
    requireLabelled("macroF1");
    double sum = 0;
    int kept = 0;
    for (int c = 0; c < classes; c++) {
      ClassScores s = scores(c);
      if (s.skipped()) {
        continue;
      }
      sum += s.f1();
      kept++;
    }
    return sum / kept; // kept > 0: every labelled row has a true class
  }

  /** Expected calibration error over labelled rows (see the class comment). */
  public double expectedCalibrationError() {
    requireLabelled("expectedCalibrationError");
    double ece = 0;
    for (int b = 0; b < binCount.length; b++) {
      if (binCount[b] == 0) {
        continue;
      }
      double accuracy = (double) binCorrect[b] / binCount[b];
      double confidence = binConfidence[b] / binCount[b];
      ece += (double) binCount[b] / labelled * Math.abs(accuracy - confidence);
    }
    return ece;
  }

  /** A copy of the confusion matrix over labelled rows, indexed {@code [true][predicted]}. */
  public long[][] confusion() {
    long[][] copy = new long[classes][];
    for (int c = 0; c < classes; c++) {
      copy[c] = confusion[c].clone();
    }
    return copy;
  }

  /** The class names, index i naming class i. */
  public List<String> labels() {
    return labels;
  }

  /**
   * The figures as a map for reports: {@code count}, {@code labelledCount}, and when there are
   * labelled rows {@code accuracy}, {@code macroF1}, {@code ece} and {@code perClass} (label to
   * {@code precision}, {@code recall}, {@code f1}, {@code support} = true rows; a skipped class
   * has only {@code support} 0 and {@code skipped} true).
   */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("count", count);
    map.put("labelledCount", labelled);
    if (labelled == 0) {
      return map;
    }
    map.put("accuracy", accuracy());
    map.put("macroF1", macroF1());
    map.put("ece", expectedCalibrationError());
    Map<String, Object> perClass = new LinkedHashMap<>();
    for (int c = 0; c < classes; c++) {
      ClassScores s = scores(c);
      Map<String, Object> entry = new LinkedHashMap<>();
      if (s.skipped()) {
        entry.put("support", 0L);
        entry.put("skipped", true);
      } else {
        entry.put("precision", s.precision());
        entry.put("recall", s.recall());
        entry.put("f1", s.f1());
        entry.put("support", s.support());
      }
      perClass.put(labels.get(c), entry);
    }
    map.put("perClass", perClass);
    map.put("reliability", reliability());
    List<List<Long>> matrix = new ArrayList<>();
    for (long[] row : confusion) {
      List<Long> r = new ArrayList<>();
      for (long v : row) {
        r.add(v);
      }
      matrix.add(r);
    }
    map.put("confusion", matrix);
    return map;
  }

  /**
   * The reliability diagram behind the ECE: one entry per non-empty bin with {@code lower},
   * {@code upper} (the bin's confidence range), {@code count}, {@code accuracy} and {@code
   * confidence} (the bin's mean confidence). A calibrated model has accuracy equal to confidence.
   */
  public List<Map<String, Object>> reliability() {
    List<Map<String, Object>> bins = new ArrayList<>();
    int b = binCount.length;
    for (int i = 0; i < b; i++) {
      if (binCount[i] == 0) {
        continue;
      }
      Map<String, Object> bin = new LinkedHashMap<>();
      bin.put("lower", (double) i / b);
      bin.put("upper", (double) (i + 1) / b);
      bin.put("count", binCount[i]);
      bin.put("accuracy", (double) binCorrect[i] / binCount[i]);
      bin.put("confidence", binConfidence[i] / binCount[i]);
      bins.add(bin);
    }
    return bins;
  }

  private ClassScores scores(int c) {
    long tp = confusion[c][c];
    long support = 0;
    long predicted = 0;
    for (int k = 0; k < classes; k++) {
      support += confusion[c][k];
      predicted += confusion[k][c];
    }
    double precision = predicted == 0 ? 0 : (double) tp / predicted;
    double recall = support == 0 ? 0 : (double) tp / support;
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    return new ClassScores(precision, recall, f1, support, support == 0 && predicted == 0);
  }

  private void requireLabelled(String metric) {
    if (labelled == 0) {
      throw new IllegalStateException(
          metric + " needs at least one labelled row (trueLabel != -1), got 0 of " + count + " rows");
    }
  }

  private record ClassScores(double precision, double recall, double f1, long support, boolean skipped) {}
}
