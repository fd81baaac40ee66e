package org.sparkdistill.method.lelp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.udfs.schema.Columns;

/**
 * Fits LELP (Loo et al. 2024, "Linear Projections of Teacher Embeddings for Few-Class
 * Distillation"; see {@code shared/methods.md} §2) on teacher-cache rows: {@code id}, {@code
 * features} (the vector h that feeds the teacher's final linear layer W) and either {@code
 * predicted} (membership {@code prediction}) or {@code label} (membership {@code label}; rows
 * without a label are skipped).
 *
 * <ol>
 *   <li>One distributed pass ({@code treeAggregate}, depth 2) accumulates per class n_c, Σ h and
 *       Σ h hᵀ ({@link ClassMoments}); no row reaches the driver.
 *   <li>Per class: the covariance (or, without centring, the second moment), with the null-space
 *       projection P = I − W⁺W applied as P Σ P (equal to the covariance of P h, so the pass runs
 *       on raw h); its top-S eigenvectors V_c (LAPACK); V_c ← P V_c Q_c with a seeded random
 *       orthonormal S×S Q_c (seed + c), which spreads the variance evenly over the S directions;
 *       with {@code whiten}, V_c Λ_c^{-1/2} before the rotation, so z has identity covariance
 *       within the class and β is in units of its standard deviation.
 *   <li>The model keeps V_c and the offsets o_c = V_cᵀ μ_c (centring) or 0.
 * </ol>
 *
 * <p>Cost: d(d+1)/2 multiply-adds per row in the pass (Java loops, about 74k at d = 384), C·d²
 * doubles per partial aggregate, then C eigendecompositions of d×d on the driver. Bad input is an
 * error naming what is wrong: S &gt; d (S &gt; d − rank(W) with the null-space projection), a class
 * with fewer rows than S, a NaN or infinite feature (row id, index, value), an embedding width other
 * than W's.
 */
public final class LelpEstimator extends Estimator<LelpModel> implements LelpParams {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(LelpEstimator.class);

  private final String uid;
  private final Declared params;
  /** The teacher head W [C][d] (needed only for the null-space projection); not a Param. */
  private double[][] head;
  /** Where the rows come from, for error messages. */
  private String source = "input";

  public LelpEstimator() {
    this(Identifiable$.MODULE$.randomUID("lelp"));
  }

  public LelpEstimator(String uid) {
    this.uid = uid;
    this.params = new Declared(this);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Declared lelp() {
    return params;
  }

  public LelpEstimator setSubclasses(int value) {
    set(subclasses(), value);
    return this;
  }

  public LelpEstimator setSubclassTemperature(double value) {
    set(subclassTemperature(), value);
    return this;
  }

  public LelpEstimator setTeacherTemperature(double value) {
    set(teacherTemperature(), value);
    return this;
  }

  public LelpEstimator setNullSpace(boolean value) {
    set(nullSpace(), value);
    return this;
  }

  public LelpEstimator setCentre(boolean value) {
    set(centre(), value);
    return this;
  }

  public LelpEstimator setWhiten(boolean value) {
    set(whiten(), value);
    return this;
  }

  public LelpEstimator setMembership(String value) {
    set(membership(), value);
    return this;
  }

  public LelpEstimator setSeed(long value) {
    set(seed(), value);
    return this;
  }

  public LelpEstimator setLabels(List<String> value) {
    set(labels(), value.toArray(new String[0]));
    return this;
  }

  /** The teacher's final linear layer W, row c = class c; needed when {@code nullSpace} is on. */
  public LelpEstimator setHead(float[][] w) {
    double[][] copy = new double[w.length][];
    for (int c = 0; c < w.length; c++) {
      copy[c] = new double[w[c].length];
      for (int i = 0; i < w[c].length; i++) {
        copy[c][i] = w[c][i];
      }
    }
    this.head = copy;
    return this;
  }

  /** Names the rows' origin (a cache directory) in error messages. */
  public LelpEstimator setSource(String source) {
    this.source = source;
    return this;
  }

  @Override
  public LelpModel fit(Dataset<?> dataset) {
    long start = System.nanoTime();
    List<String> classes = getLabels();
    int c = classes.size();
    int s = getSubclasses();
    boolean byLabel = getMembership().equals(LelpMembership.LABEL);
    if (getNullSpace() && head == null) {
      throw new IllegalArgumentException("LELP nullSpace is on but no teacher head W was given (a head teacher's head.json); set targets.lelp.nullSpace=false for a teacher without one");
    }
    if (head != null && head.length != c) {
      throw new IllegalArgumentException("teacher head W has " + head.length + " rows, the label set " + classes + " has " + c);
    }
    Column classIndex;
    if (byLabel) {
      Column[] names = classes.stream().map(functions::lit).toArray(Column[]::new);
      classIndex = functions.array_position(functions.array(names), functions.col(Columns.LABEL)).cast("int").minus(1);
    } else {
      classIndex = functions.col(Columns.PREDICTED);
    }
    Dataset<Row> rows = dataset.toDF().select(functions.col(Columns.ID), classIndex.as("class"), functions.col(Columns.FEATURES));
    if (byLabel) {
      rows = rows.filter(functions.col("class").isNotNull().and(functions.col("class").geq(0)));
    }
    JavaRDD<Row> rdd = rows.toJavaRDD();
    String where = source;
    rdd.context().setJobDescription("LELP fit: per-class sums and outer products (one pass)");
    ClassMoments moments =
        rdd.treeAggregate(
            new ClassMoments(c, where),
            (m, row) -> m.add(row.getString(0), row.getInt(1), row.getList(2)),
            ClassMoments::merge,
            2);
    rdd.context().setJobDescription(null);
    int d = moments.dim();
    if (d < 0) {
      throw new IllegalArgumentException(where + ": no rows to fit LELP on (membership " + getMembership() + ")");
    }
    LelpMath.NullSpace nullSpace = null;
    int available = d;
    if (getNullSpace()) {
      if (head[0].length != d) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "%s, column features: embedding dimension %d differs from the teacher head W's width %d: the cache and head come from different encoders; rebuild score", where, d, head[0].length));
      }
      nullSpace = LelpMath.nullSpace(head);
      available = d - nullSpace.rank();
    }
    if (s > available) {
      throw new IllegalArgumentException(
          getNullSpace()
              ? String.format(Locale.ROOT, "LELP subclasses S = %d is larger than d - rank(W) = %d - %d = %d, the null space's dimension: choose S <= %d or set nullSpace off", s, d, nullSpace.rank(), available, available)
              : String.format(Locale.ROOT, "LELP subclasses S = %d is larger than the embedding dimension d = %d: choose S <= %d", s, d, d));
    }
    double[][] directions = new double[c][];
    double[][] offsets = new double[c][];
    List<Long> counts = new ArrayList<>();
    Map<String, Object> eigen = new LinkedHashMap<>();
    for (int k = 0; k < c; k++) {
      long n = moments.count(k);
      counts.add(n);
      if (n < s) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "%s: class %s has %d rows (membership %s), fewer than S = %d subclasses: lower S or give the class more rows", where, classes.get(k), n, getMembership(), s));
      }
      double[] sigma = moments.moment(k, getCentre());
      if (nullSpace != null) {
        sigma = LelpMath.sandwich(nullSpace.projector(), sigma, d);
      }
      LelpMath.Directions top = LelpMath.top(sigma, d, s);
      double[] basis = top.vectors();
      if (getWhiten()) {
        basis = whitened(basis, top.values(), d, s, classes.get(k), n);
      }
      double[] v = LelpMath.times(basis, d, s, LelpMath.rotation(s, getSeed() + k));
      if (nullSpace != null) {
        v = project(nullSpace.projector(), v, d, s);
      }
      directions[k] = v;
      double[] o = new double[s];
      if (getCentre()) {
        double[] mu = moments.mean(k);
        for (int i = 0; i < d; i++) {
          for (int j = 0; j < s; j++) {
            o[j] += v[i * s + j] * mu[i];
          }
        }
      }
      offsets[k] = o;
      List<Double> values = new ArrayList<>();
      for (double e : top.values()) {
        values.add(e);
      }
      eigen.put(classes.get(k), values);
      if (!carriesVariance(top.values(), s - 1)) {
        LOG.warn("LELP: class {} has only {} rows of rank below S = {}; its last directions carry no variance", classes.get(k), n, s);
      }
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("lelpRowsPerClass", counts);
    figures.put("lelpDim", d);
    figures.put("lelpRankW", nullSpace == null ? -1 : nullSpace.rank());
    figures.put("lelpEigenvalues", eigen);
    figures.put("lelpFitSeconds", (System.nanoTime() - start) / 1e9);
    LelpModel model = new LelpModel(uid, new LelpModel.Weights(c, s, d, directions, offsets), figures);
    copyValues(model, ParamMap.empty());
    LOG.info("LELP fit: {} classes, S = {}, d = {}, rows per class {}, {} s", c, s, d, counts, figures.get("lelpFitSeconds"));
    return model;
  }

  /**
   * V Λ^{-1/2}: column j divided by the square root of its eigenvalue, so the projections onto the
   * columns have unit variance over the class's rows (and stay uncorrelated, and so unit variance,
   * after the orthonormal rotation). A direction without variance cannot be scaled: an error.
   */
  private static double[] whitened(double[] v, double[] values, int d, int s, String label, long n) {
    double[] out = v.clone();
    for (int j = 0; j < s; j++) {
      if (!carriesVariance(values, j)) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "LELP whiten: class %s's principal direction %d of S = %d has variance %.3g (its %d rows span fewer than S directions): lower S or set targets.lelp.whiten=false", label, j + 1, s, values[j], n));
      }
      double scale = 1.0 / Math.sqrt(values[j]);
      for (int i = 0; i < d; i++) {
        out[i * s + j] *= scale;
      }
    }
    return out;
  }

  /** Whether eigenvalue {@code j} (descending {@code values}) is above 1e-12 of the largest: a direction the class's rows span. */
  private static boolean carriesVariance(double[] values, int j) {
    return values[j] > 1e-12 * Math.max(1e-300, values[0]);
  }

  /** P V for projector P (d×d) and V (d×S), row-major. */
  private static double[] project(double[] p, double[] v, int d, int s) {
    double[] out = new double[d * s];
    for (int i = 0; i < d; i++) {
      for (int k = 0; k < d; k++) {
        double pik = p[i * d + k];
        if (pik == 0) {
          continue;
        }
        for (int j = 0; j < s; j++) {
          out[i * s + j] += pik * v[k * s + j];
        }
      }
    }
    return out;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return schema.add(Columns.TARGET, org.apache.spark.sql.types.DataTypes.createArrayType(org.apache.spark.sql.types.DataTypes.FloatType, false), false);
  }

  @Override
  public LelpEstimator copy(ParamMap extra) {
    LelpEstimator copy = new LelpEstimator(uid);
    copy.head = head;
    copy.source = source;
    return copyValues(copy, extra);
  }
}
