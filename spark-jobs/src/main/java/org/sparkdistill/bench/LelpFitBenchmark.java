package org.sparkdistill.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.method.lelp.LelpEstimator;
import org.sparkdistill.udfs.schema.Columns;

/**
 * Scale of the LELP fit on generated rows (not a quality figure): {@code n} rows of d seeded
 * Gaussian features over C classes, generated on the executors and never collected, fitted once
 * per size. Beside each fit, a baseline pass generates the same rows and only sums them, so the
 * fit's own cost is the difference. Prints wall and process-CPU seconds, seconds per million
 * rows, and the per-row slope between sizes: with one pass and a fixed driver-side
 * eigendecomposition per class, the cost per row at the largest size should stay within 1.1× of
 * the smallest's. Run it with a small driver heap (-Xmx1g) to show that nothing scales with n on
 * the driver.
 */
public final class LelpFitBenchmark {
  private final SparkSession spark;
  private final int dim;
  private final int classes;
  private final int subclasses;
  private final int partitions;

  public LelpFitBenchmark(SparkSession spark, int dim, int classes, int subclasses, int partitions) {
    this.spark = spark;
    this.dim = dim;
    this.classes = classes;
    this.subclasses = subclasses;
    this.partitions = partitions;
  }

  /** One size's figures. */
  public record Point(long rows, double fitSeconds, double fitCpu, double baseSeconds, double baseCpu) {
    double netSeconds() {
      return Math.max(0, fitSeconds - baseSeconds);
    }

    String line() {
      return String.format(Locale.ROOT, "| %,d | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f |", rows, fitSeconds, fitCpu, baseSeconds, baseCpu, netSeconds(),
          netSeconds() / rows * 1e6);
    }
  }

  Dataset<Row> rows(long n) {
    StructType schema =
        new StructType()
            .add(Columns.ID, DataTypes.StringType, false)
            .add(Columns.PREDICTED, DataTypes.IntegerType, false)
            .add(Columns.FEATURES, DataTypes.createArrayType(DataTypes.FloatType, false), false);
    int d = dim;
    int c = classes;
    return spark.range(0, n, 1, partitions).map((MapFunction<Long, Row>) i -> {
      SplittableRandom r = new SplittableRandom(i * 0x9E3779B97F4A7C15L);
      float[] h = new float[d];
      int k = (int) (i % c);
      for (int j = 0; j < d; j++) {
        h[j] = (float) ((r.nextDouble() - 0.5) * (j % (k + 2) == 0 ? 3 : 1));
      }
      return RowFactory.create("g" + i, k, h);
    }, Encoders.row(schema));
  }

  private static double cpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
  }

  public Point measure(long n) {
    List<String> labels = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      labels.add("c" + k);
    }
    spark.sparkContext().setJobDescription("LELP fit benchmark: baseline pass over " + n + " generated rows");
    double c0 = cpu();
    long t0 = System.nanoTime();
    rows(n).select(functions.sum(functions.aggregate(functions.col(Columns.FEATURES), functions.lit(0.0), (acc, x) -> acc.plus(x)))).first();
    double base = (System.nanoTime() - t0) / 1e9;
    double baseCpu = cpu() - c0;
    spark.sparkContext().setJobDescription(null);
    LelpEstimator estimator = new LelpEstimator().setLabels(labels).setSubclasses(subclasses).setNullSpace(false).setSource("generated rows");
    c0 = cpu();
    t0 = System.nanoTime();
    estimator.fit(rows(n));
    double fit = (System.nanoTime() - t0) / 1e9;
    return new Point(n, fit, cpu() - c0, base, baseCpu);
  }

  /** Measures every size (a warm-up fit on the smallest first) and prints the table and the slope check. */
  public List<String> run(List<Long> sizes) {
    measure(Math.max(1000, sizes.get(0) / 10));
    List<Point> points = new ArrayList<>();
    for (long n : sizes) {
      points.add(measure(n));
    }
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, "LELP fit benchmark: d = %d, C = %d, S = %d, %d partitions, driver heap %d MB",
        dim, classes, subclasses, partitions, Runtime.getRuntime().maxMemory() >> 20));
    out.add("| rows | fit s | fit CPU s | baseline s (generate + sum) | baseline CPU s | fit - baseline s | s per million rows (net) |");
    out.add("|---:|---:|---:|---:|---:|---:|---:|");
    points.forEach(p -> out.add(p.line()));
    Point first = points.get(0);
    Point last = points.get(points.size() - 1);
    if (points.size() > 1) {
      double slope = (last.netSeconds() - first.netSeconds()) / (last.rows() - first.rows());
      double ratio = (last.netSeconds() / last.rows()) / (first.netSeconds() / first.rows());
      out.add(String.format(Locale.ROOT, "per-row slope between %,d and %,d rows: %.3f µs/row (%.2f s per million rows); cost per row at %,d = %.3f x that at %,d: %s",
          first.rows(), last.rows(), slope * 1e6, slope * 1e6, last.rows(), ratio, first.rows(), ratio <= 1.1 ? "within 1.1x" : "NOT within 1.1x"));
    }
    return out;
  }
}
