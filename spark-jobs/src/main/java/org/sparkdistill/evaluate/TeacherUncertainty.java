package org.sparkdistill.evaluate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.sparkdistill.udfs.schema.Columns;

/**
 * Histograms of the teacher's MC-dropout certainty and mutual information over the score cache,
 * and their means per split, for the run report. Two Spark aggregations (one for the range of the
 * mutual information, one for the bin counts and the per-split means): the rows never reach the
 * driver.
 */
public final class TeacherUncertainty {
  /** Bins of each histogram. */
  public static final int BINS = 25;

  private TeacherUncertainty() {}

  /**
   * {@code certainty} and {@code mutualInformation} as {@code edges} (BINS + 1) and {@code counts}
   * (BINS), {@code splits} as split to {@code rows}, {@code meanCertainty}, {@code
   * meanMutualInformation}, and {@code mcPasses}.
   *
   * @param scores the score cache (columns split, certainty, mutual_info)
   */
  public static Map<String, Object> of(Dataset<Row> scores, int mcPasses) {
    Row range = scores.agg(functions.max(Columns.MUTUAL_INFO)).first();
    double maxMi = range.isNullAt(0) ? 0 : range.getDouble(0);
    double miTop = maxMi > 0 ? maxMi * (1 + 1e-9) : 1e-6;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("mcPasses", mcPasses);
    out.put("certainty", histogram(scores, functions.col(Columns.CERTAINTY), 0, 1));
    out.put("mutualInformation", histogram(scores, functions.col(Columns.MUTUAL_INFO), 0, miTop));
    Map<String, Object> splits = new LinkedHashMap<>();
    for (Row r :
        scores.groupBy(Columns.SPLIT)
            .agg(functions.count(functions.lit(1)), functions.avg(Columns.CERTAINTY), functions.avg(Columns.MUTUAL_INFO))
            .orderBy(Columns.SPLIT)
            .collectAsList()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("rows", r.getLong(1));
      s.put("meanCertainty", r.getDouble(2));
      s.put("meanMutualInformation", r.getDouble(3));
      splits.put(r.getString(0), s);
    }
    out.put("splits", splits);
    return out;
  }

  private static Map<String, Object> histogram(Dataset<Row> scores, Column value, double lo, double hi) {
    Column bin = functions.least(functions.lit(BINS - 1), functions.greatest(functions.lit(0), functions.floor(value.minus(lo).divide(hi - lo).multiply(BINS)).cast("int")));
    long[] counts = new long[BINS];
    for (Row r : scores.select(bin.as("bin")).groupBy("bin").count().collectAsList()) {
      if (!r.isNullAt(0)) {
        counts[r.getInt(0)] = r.getLong(1);
      }
    }
    List<Double> edges = new ArrayList<>();
    for (int i = 0; i <= BINS; i++) {
      edges.add(lo + (hi - lo) * i / BINS);
    }
    List<Long> c = new ArrayList<>();
    for (long v : counts) {
      c.add(v);
    }
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("edges", edges);
    h.put("counts", c);
    return h;
  }
}
