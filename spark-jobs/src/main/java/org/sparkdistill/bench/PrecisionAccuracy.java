package org.sparkdistill.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.sparkdistill.teacher.HeadTrainer;
import org.sparkdistill.teacher.TrainedHead;
import org.sparkdistill.udfs.inference.EncodePartitions;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.LinearHead;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.schema.Split;

/**
 * The teacher's test accuracy with the fp32 and the int8 encoder, in one run: each encodes the
 * labelled train, validation and test splits under Spark (one task per partition of {@code
 * examples}, the stage's batching), a head is trained on train with early stopping on validation
 * (the config's {@code teacher.*} settings, the same trainer as {@code train-teacher}), and its
 * MC-off argmax is scored on test. The encode times are one pass each over thousands of rows (the
 * model already loaded), so they are the full-size throughput of each precision; the cosine
 * between each row's fp32 and int8 vectors shows how close the two encoders are.
 */
public final class PrecisionAccuracy {
  private final int batchSize;
  private final int maxBatchTokens;
  private final HeadTrainer trainer;
  private final List<String> labels;
  private final double dropout;
  private final int partitions;

  /** @param partitions Spark partitions (tasks) of the encode, as {@code encoder.partitions} */
  public PrecisionAccuracy(int batchSize, int maxBatchTokens, int partitions, HeadTrainer trainer, List<String> labels, double dropout) {
    this.partitions = partitions;
    this.batchSize = batchSize;
    this.maxBatchTokens = maxBatchTokens;
    this.trainer = trainer;
    this.labels = labels;
    this.dropout = dropout;
  }

  /** {@code examples}: rows of {@link CacheSchemas#examples()}; the transfer split is left out. */
  public List<String> run(Dataset<Row> examples, EncoderSpec fp32, EncoderSpec int8) {
    Dataset<Row> labelled =
        examples.filter(functions.col(Columns.SPLIT).isin(Split.TRAIN.value(), Split.VALIDATION.value(), Split.TEST.value()))
            .repartition(partitions)
            .cache();
    long rows = labelled.count();
    Map<String, Row> byId = new HashMap<>();
    for (Row r : labelled.select(Columns.ID, Columns.SPLIT, Columns.LABEL).collectAsList()) {
      byId.put(r.getString(0), r);
    }
    List<String> out = new ArrayList<>();
    encode(labelled.limit(8), fp32); // loads the fp32 model outside the timing
    long c0 = cpuNanos();
    long t0 = System.nanoTime();
    Map<String, float[]> f = encode(labelled, fp32);
    double fSeconds = (System.nanoTime() - t0) / 1e9;
    double fCpu = (cpuNanos() - c0) / 1e9;
    encode(labelled.limit(8), int8); // loads the int8 model outside the timing
    c0 = cpuNanos();
    t0 = System.nanoTime();
    Map<String, float[]> q = encode(labelled, int8);
    double qSeconds = (System.nanoTime() - t0) / 1e9;
    double qCpu = (cpuNanos() - c0) / 1e9;
    double fAcc = testAccuracy(f, byId);
    double qAcc = testAccuracy(q, byId);
    double sum = 0;
    double min = 1;
    for (Map.Entry<String, float[]> e : f.entrySet()) {
      double c = cosine(e.getValue(), q.get(e.getKey()));
      sum += c;
      min = Math.min(min, c);
    }
    out.add(String.format(Locale.ROOT, "precision, full encode of the labelled splits (%d rows, %d tasks, one pass each):", rows, labelled.rdd().getNumPartitions()));
    out.add(String.format(Locale.ROOT, "  fp32 %.1f s wall (%.1f rows/s), %.1f CPU s; int8 %.1f s wall (%.1f rows/s), %.1f CPU s: int8 %.2fx by wall, %.2fx by CPU",
        fSeconds, rows / fSeconds, fCpu, qSeconds, rows / qSeconds, qCpu, fSeconds / qSeconds, fCpu / qCpu));
    out.add(String.format(Locale.ROOT, "  teacher test accuracy (head trained per precision, MC off): fp32 %.4f, int8 %.4f, difference %+.2f points (target >= -1)", fAcc, qAcc, 100 * (qAcc - fAcc)));
    out.add(String.format(Locale.ROOT, "  cosine(fp32, int8) per row: mean %.4f, min %.4f", sum / f.size(), min));
    labelled.unpersist();
    return out;
  }

  private Map<String, float[]> encode(Dataset<Row> rows, EncoderSpec spec) {
    Map<String, float[]> out = new HashMap<>();
    for (Row r :
        rows.select(Columns.ID, Columns.TEXT)
            .mapPartitions(new EncodePartitions(spec, batchSize, maxBatchTokens), Encoders.row(CacheSchemas.features()))
            .select(Columns.ID, Columns.FEATURES)
            .collectAsList()) {
      out.put(r.getString(0), RowArrays.floats(r.getList(1)));
    }
    return out;
  }

  private double testAccuracy(Map<String, float[]> features, Map<String, Row> byId) {
    List<float[]> trainX = new ArrayList<>();
    List<Integer> trainY = new ArrayList<>();
    List<float[]> valX = new ArrayList<>();
    List<Integer> valY = new ArrayList<>();
    List<float[]> testX = new ArrayList<>();
    List<Integer> testY = new ArrayList<>();
    // A fixed order (by id) so the trainer's seeded shuffles see the same rows in the same order.
    List<String> ids = new ArrayList<>(features.keySet());
    ids.sort(null);
    for (String id : ids) {
      Row meta = byId.get(id);
      int y = labels.indexOf(meta.getString(2));
      if (y < 0) {
        throw new IllegalArgumentException("row id=" + id + " has label " + meta.getString(2) + ", expected one of " + labels);
      }
      String split = meta.getString(1);
      if (split.equals(Split.TRAIN.value())) {
        trainX.add(features.get(id));
        trainY.add(y);
      } else if (split.equals(Split.VALIDATION.value())) {
        valX.add(features.get(id));
        valY.add(y);
      } else {
        testX.add(features.get(id));
        testY.add(y);
      }
    }
    TrainedHead trained =
        trainer.train(trainX.toArray(new float[0][]), ints(trainY), valX.toArray(new float[0][]), ints(valY), labels.size());
    LinearHead head = new LinearHead(labels, trained.weight(), trained.bias(), dropout);
    int correct = 0;
    for (int i = 0; i < testX.size(); i++) {
      float[] logits = head.logits(testX.get(i));
      int best = 0;
      for (int c = 1; c < logits.length; c++) {
        if (logits[c] > logits[best]) {
          best = c;
        }
      }
      correct += best == testY.get(i) ? 1 : 0;
    }
    return (double) correct / testX.size();
  }

  private static long cpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
  }

  private static int[] ints(List<Integer> values) {
    return values.stream().mapToInt(Integer::intValue).toArray();
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
