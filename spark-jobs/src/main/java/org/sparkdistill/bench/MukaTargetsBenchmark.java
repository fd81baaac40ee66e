package org.sparkdistill.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.method.TargetTransform;
import org.sparkdistill.method.muka.MukaMethod;
import org.sparkdistill.udfs.schema.Columns;

/**
 * How MUKA's targets scale: two generated teacher caches holding only the columns the targets read
 * (id, logits of 10 classes each, certainty; no features), at each of several row counts; times the
 * whole targets job (id checks, width checks, the join, the per-row math, the Parquet write) and
 * prints rows/s, seconds per row and the per-row time relative to the smallest size (a flat line
 * means linear scaling). Nothing is collected to the driver, so it runs with a small driver heap
 * ({@code -Xmx1g}). Generating the caches is not timed. Not a test: no assertion on time.
 */
public final class MukaTargetsBenchmark {
  private final SparkSession spark;
  private final String scratch;

  public MukaTargetsBenchmark(SparkSession spark, String scratch) {
    this.spark = spark;
    this.scratch = scratch;
  }

  /** One measured size. */
  public record Point(long rows, double seconds) {
    double perRow() {
      return seconds / rows;
    }
  }

  static DistillConfig config() {
    DistillConfig c = new DistillConfig();
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      labels.add("c" + i);
    }
    c.data.labels = labels;
    return c;
  }

  /** A generated cache of {@code rows} rows for teacher {@code k}: deterministic logits and certainty. */
  private String generate(long rows, int k) {
    String dir = scratch + "/cache-" + rows + "-t" + (k + 1);
    List<Column> logits = new ArrayList<>();
    for (int j = 0; j < 10; j++) {
      logits.add(functions.rand(100L * k + j).multiply(6.0).minus(3.0).cast("float"));
    }
    spark.range(rows)
        .select(
            functions.concat(functions.lit("r"), functions.col("id").cast("string")).as(Columns.ID),
            functions.array(logits.toArray(Column[]::new)).as(Columns.LOGITS),
            functions.rand(1000L + k).as(Columns.CERTAINTY))
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(dir);
    return dir;
  }

  public List<Point> run(List<Long> sizes) {
    measure(10_000); // warm-up (JIT, Spark's first jobs), not reported
    List<Point> points = new ArrayList<>();
    for (long rows : sizes) {
      Point p = measure(rows);
      points.add(p);
      System.out.printf(Locale.ROOT, "muka targets: %,d rows in %.1f s: %,.0f rows/s, %.3f us per row%n", rows, p.seconds(), rows / p.seconds(), p.perRow() * 1e6);
    }
    report(points);
    return points;
  }

  /** Generates two caches of {@code rows} rows (not timed) and times their targets job. */
  private Point measure(long rows) {
    MukaMethod method = new MukaMethod(config());
    Map<String, Dataset<Row>> caches = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    for (int k = 0; k < 2; k++) {
      String dir = generate(rows, k);
      caches.put("t" + (k + 1), spark.read().parquet(dir));
      sources.put("t" + (k + 1), dir);
    }
    spark.sparkContext().setJobGroup("spark-distill:bench-muka", "muka targets over " + rows + " generated rows", false);
    long start = System.nanoTime();
    TargetTransform transform = method.fit(caches);
    transform.transform(caches, sources).write().mode(SaveMode.Overwrite).parquet(scratch + "/targets-" + rows);
    double seconds = (System.nanoTime() - start) / 1e9;
    spark.sparkContext().clearJobGroup();
    long written = spark.read().parquet(scratch + "/targets-" + rows).count();
    if (written != rows) {
      throw new IllegalStateException("the benchmark wrote " + written + " target rows for " + rows + " cache rows");
    }
    return new Point(rows, seconds);
  }

  private void report(List<Point> points) {
    Point first = points.get(0);
    for (Point p : points) {
      System.out.printf(Locale.ROOT, "  %,d rows: time per row %.3fx that at %,d rows%n", p.rows(), p.perRow() / first.perRow(), first.rows());
    }
    if (points.size() >= 2) {
      Point last = points.get(points.size() - 1);
      double slope = (last.seconds() - first.seconds()) / (last.rows() - first.rows());
      System.out.printf(Locale.ROOT, "  fitted slope between %,d and %,d rows: %.3f us per added row (fixed cost %.1f s)%n", first.rows(), last.rows(), slope * 1e6,
          first.seconds() - slope * first.rows());
    }
    System.out.printf(Locale.ROOT, "  driver heap: max %d MB%n", Runtime.getRuntime().maxMemory() >> 20);
  }
}
