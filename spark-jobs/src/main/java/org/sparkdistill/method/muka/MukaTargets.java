package org.sparkdistill.method.muka;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.method.TargetSchema;
import org.sparkdistill.method.TargetTransform;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;

/**
 * MUKA's targets as Spark operations: the teacher caches joined by id (one row per example with
 * every teacher's raw logits and MC certainty), then {@link MukaMath} per row in a map; nothing is
 * collected to the driver. Before the join, two aggregations per cache refuse caches whose id sets
 * differ (naming the counts) and logits whose width is not the teacher's label count.
 *
 * <p>Rows: {@link TargetSchema#ROWS} plus {@value #SELECTED} (the most certain teacher's name)
 * and {@value #CERTAINTIES} (u_k per teacher, in teacher order). Cost: one shuffle join of K
 * caches on their id, logits and certainty columns (Parquet reads no features), Σ|Y_k| exps per row.
 */
public final class MukaTargets implements TargetTransform {
  /** The most certain teacher's name. */
  public static final String SELECTED = "selected_teacher";
  /** Each teacher's certainty u_k, in teacher order. */
  public static final String CERTAINTIES = "teacher_certainties";

  public static final StructType ROWS =
      TargetSchema.ROWS
          .add(SELECTED, DataTypes.StringType, false)
          .add(CERTAINTIES, DataTypes.createArrayType(DataTypes.DoubleType, false), false);

  private final RowMath math;

  MukaTargets(RowMath math) {
    this.math = math;
  }

  @Override
  public Dataset<Row> transform(Map<String, Dataset<Row>> caches, Map<String, String> sources) {
    List<MukaTeachers.Teacher> teachers = math.teachers;
    checkIds(caches, sources, teachers);
    Dataset<Row> joined = null;
    for (int k = 0; k < teachers.size(); k++) {
      String role = teachers.get(k).name();
      Dataset<Row> cache = caches.get(role);
      checkWidth(cache, sources.get(role), teachers.get(k));
      Dataset<Row> part =
          cache.select(functions.col(Columns.ID), functions.col(Columns.LOGITS).as("logits_" + k), functions.col(Columns.CERTAINTY).as("certainty_" + k));
      joined = joined == null ? part : joined.join(part, Columns.ID);
    }
    List<Column> columns = new ArrayList<>();
    columns.add(functions.col(Columns.ID));
    for (int k = 0; k < teachers.size(); k++) {
      columns.add(functions.col("logits_" + k));
      columns.add(functions.col("certainty_" + k));
    }
    return joined.select(columns.toArray(Column[]::new)).map(math, Encoders.row(ROWS));
  }

  /** Every cache must hold the same ids: compares the counts per cache and of the join. */
  static void checkIds(Map<String, Dataset<Row>> caches, Map<String, String> sources, List<MukaTeachers.Teacher> teachers) {
    List<String> counts = new ArrayList<>();
    long first = -1;
    boolean differ = false;
    Dataset<Row> common = null;
    for (MukaTeachers.Teacher t : teachers) {
      Dataset<Row> ids = caches.get(t.name()).select(Columns.ID);
      long n = ids.count();
      counts.add(String.format(Locale.ROOT, "'%s' at %s: %d ids", t.name(), sources.get(t.name()), n));
      differ |= first >= 0 && n != first;
      first = first < 0 ? n : first;
      common = common == null ? ids : common.join(ids, Columns.ID);
    }
    long both = common.count();
    if (differ || both != first) {
      throw new IllegalArgumentException(
          "MUKA needs every teacher cache over the same ids, got " + String.join(", ", counts) + ", " + both
              + " in all of them: score every teacher over the same prepared examples (rerun their score stages with --overwrite)");
    }
  }

  /** The cache's logits must have one value per label of the teacher's set (its manifest's labels). */
  static void checkWidth(Dataset<Row> cache, String source, MukaTeachers.Teacher teacher) {
    Row w = cache.agg(functions.min(functions.size(functions.col(Columns.LOGITS))), functions.max(functions.size(functions.col(Columns.LOGITS)))).first();
    if (w.isNullAt(0)) {
      return; // empty cache: the id check reports it
    }
    int min = w.getInt(0);
    int max = w.getInt(1);
    int expected = teacher.labels().size();
    if (min != expected || max != expected) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "teacher cache '%s' at %s, column logits: its manifest lists %d labels %s, the logits have %s values: the cache and its manifest disagree; rescore the teacher (score stage with --overwrite)",
              teacher.name(), source, expected, teacher.labels(), min == max ? Integer.toString(min) : min + " to " + max));
    }
  }

  /** One joined row to its target: the per-row part of {@link MukaMath}, serialisable. */
  static final class RowMath implements MapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    final List<MukaTeachers.Teacher> teachers;
    private final String variant;
    private final boolean mc;
    private final boolean soft;
    private final double tau;
    private final boolean reweight;
    private final double epsilon;
    private final double kdTemperature;
    private final int union;

    RowMath(List<MukaTeachers.Teacher> teachers, int union, String variant, boolean mc, boolean soft, double tau, boolean reweight, double epsilon, double kdTemperature) {
      this.teachers = List.copyOf(teachers);
      this.union = union;
      this.variant = variant;
      this.mc = mc;
      this.soft = soft;
      this.tau = tau;
      this.reweight = reweight;
      this.epsilon = epsilon;
      this.kdTemperature = kdTemperature;
    }

    @Override
    public Row call(Row row) {
      String id = row.getString(0);
      int n = teachers.size();
      double[][] logits = new double[n][];
      double[][] p = new double[n][];
      double[] u = new double[n];
      int[][] blocks = new int[n][];
      for (int k = 0; k < n; k++) {
        float[] l = RowArrays.floats(row.getList(1 + 2 * k));
        logits[k] = new double[l.length];
        for (int j = 0; j < l.length; j++) {
          if (!Float.isFinite(l[j])) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "teacher cache '%s', row id=%s, column logits[%d]: expected a finite number, got %s", teachers.get(k).name(), id, j, l[j]));
          }
          logits[k][j] = l[j];
        }
        p[k] = MukaMath.softmax(logits[k], 1.0);
        u[k] = mc ? row.getDouble(2 + 2 * k) : MukaMath.certainty(p[k]);
        blocks[k] = teachers.get(k).block();
      }
      double[] target;
      double weight = 1.0;
      switch (variant) {
        case MukaMethod.CONCAT_KD -> target = MukaMath.concatKd(logits, kdTemperature);
        case MukaMethod.UHC -> target = MukaMath.uhc(p);
        default -> {
          target = soft ? MukaMath.soft(p, u, blocks, union, tau) : MukaMath.hard(p, u, blocks, union);
          weight = reweight ? MukaMath.margin(u, epsilon) : 1.0;
        }
      }
      float[] out = new float[target.length];
      for (int c = 0; c < out.length; c++) {
        out[c] = (float) target[c];
      }
      return RowFactory.create(id, out, weight, teachers.get(MukaMath.mostCertain(u)).name(), u);
    }
  }
}
