package org.sparkdistill.method.lelp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.sparkdistill.udfs.uncertainty.Softmax;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.method.TargetTransform;
import org.sparkdistill.udfs.schema.Columns;

/**
 * A fitted LELP model: for every class c, S directions v_{c,s} ∈ R^d (already projected onto the
 * null space of W when that was on, and rotated) and offsets o_{c,s} = ⟨v_{c,s}, μ_c⟩ (0 without
 * centring). {@link #transform} adds the pseudo-subclass target per row:
 *
 * <pre>
 *   p_c      = softmax(logits / τ)_c
 *   z_{c,s}  = ⟨v_{c,s}, h⟩ − o_{c,s}
 *   p_{c,s}  = p_c · softmax_s(z_{c,·} / β)_s        (so Σ_s p_{c,s} = p_c)
 * </pre>
 *
 * laid out class-major (output c·S + s). Cost per row: C·S·d multiply-adds and C·(S + 1) exps, in
 * double precision. Saved and loaded with the project's own format ({@link LelpModelFiles}:
 * {@code metadata.json} with the params and fit figures, {@code weights.bin} with the directions),
 * through {@link #write()} and {@link #read()} / {@link #load(String)}.
 */
public final class LelpModel extends Model<LelpModel> implements LelpParams, MLWritable, TargetTransform {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Declared params;
  private final Weights weights;
  private final Map<String, Object> figures;

  /**
   * The fitted state.
   *
   * @param classes C
   * @param subclasses S
   * @param dim d
   * @param directions per class, d×S row-major
   * @param offsets per class, S values
   */
  public record Weights(int classes, int subclasses, int dim, double[][] directions, double[][] offsets) implements java.io.Serializable {
    public Weights {
      if (directions.length != classes || offsets.length != classes) {
        throw new IllegalArgumentException("LELP weights: " + directions.length + " direction blocks and " + offsets.length + " offset blocks for " + classes + " classes");
      }
      for (int c = 0; c < classes; c++) {
        if (directions[c].length != dim * subclasses || offsets[c].length != subclasses) {
          throw new IllegalArgumentException(
              String.format(Locale.ROOT, "LELP weights of class %d: %d direction values and %d offsets, expected %d x %d and %d",
                  c, directions[c].length, offsets[c].length, dim, subclasses, subclasses));
        }
      }
    }
  }

  LelpModel(String uid, Weights weights, Map<String, Object> figures) {
    this.uid = uid;
    this.params = new Declared(this);
    this.weights = weights;
    this.figures = Map.copyOf(figures);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Declared lelp() {
    return params;
  }

  public Weights weights() {
    return weights;
  }

  /** Figures of the fit (rows per class, rank of W, eigenvalues, seconds), for manifests. */
  @Override
  public Map<String, Object> metrics() {
    return figures;
  }

  /** This model with {@code more} figures for the manifest beside the fit's (same weights and params). */
  LelpModel withFigures(Map<String, Object> more) {
    Map<String, Object> all = new java.util.LinkedHashMap<>(figures);
    all.putAll(more);
    return copyValues(new LelpModel(uid, weights, all), ParamMap.empty());
  }

  /** Names of the C·S outputs: {@code <class>#<s>}, class-major. */
  public static List<String> outputs(List<String> classes, int subclasses) {
    List<String> out = new ArrayList<>();
    for (String c : classes) {
      for (int s = 0; s < subclasses; s++) {
        out.add(c + "#" + s);
      }
    }
    return out;
  }

  /** The target column from {@code id}, {@code logits} and {@code features} columns. */
  public Column targetColumn(Column id, Column logits, Column features, String source) {
    if (getSubclasses() != weights.subclasses() || getLabels().size() != weights.classes()) {
      throw new IllegalStateException(
          uid + ": params say S = " + getSubclasses() + " and " + getLabels().size() + " classes, the weights hold S = " + weights.subclasses() + " and " + weights.classes());
    }
    Targets targets = new Targets(weights, getTeacherTemperature(), getSubclassTemperature(), source);
    UserDefinedFunction udf = functions.udf(targets, DataTypes.createArrayType(DataTypes.FloatType, false)).asNonNullable();
    return udf.apply(id, logits, features);
  }

  /** Adds the {@code target} column (C·S floats) computed from {@code logits} and {@code features}. */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    return dataset.toDF().withColumn(Columns.TARGET, targetColumn(functions.col(Columns.ID), functions.col(Columns.LOGITS), functions.col(Columns.FEATURES), "input"));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    for (String column : new String[] {Columns.ID, Columns.LOGITS, Columns.FEATURES}) {
      if (!java.util.Arrays.asList(schema.fieldNames()).contains(column)) {
        throw new IllegalArgumentException("LELP transform needs a column " + column + " (the teacher cache's); the input has " + java.util.Arrays.toString(schema.fieldNames()));
      }
    }
    return schema.add(Columns.TARGET, DataTypes.createArrayType(DataTypes.FloatType, false), false);
  }

  /** The targets stage's rows: {@code (id, target, weight 1)} for every cache row. */
  @Override
  public Dataset<Row> transform(Map<String, Dataset<Row>> caches, Map<String, String> sources) {
    Dataset<Row> rows = caches.get(LelpMethod.ROLE);
    return rows.select(
        functions.col(Columns.ID),
        targetColumn(functions.col(Columns.ID), functions.col(Columns.LOGITS), functions.col(Columns.FEATURES), sources.get(LelpMethod.ROLE)).as(Columns.TARGET),
        functions.lit(1.0).as(Columns.WEIGHT));
  }

  /**
   * {@code lelpSubclassEntropy}: the mean over the train and transfer rows of {@link
   * LelpMath#subclassEntropy} (1: the targets split every class evenly, so they say no more than
   * plain KD's; small: sharp subclasses), with a warning above {@link #FLAT_WARNING}: raw
   * projections of L2-normalised embeddings have a standard deviation of about 0.1, so β of order 1
   * without {@code whiten} gives nearly even splits. One pass over the written targets.
   */
  @Override
  public Map<String, Object> writtenMetrics(java.util.function.Supplier<Dataset<Row>> targets) {
    Dataset<Row> written = targets.get();
    int s = weights.subclasses();
    UserDefinedFunction entropy =
        functions.udf(
            (org.apache.spark.sql.api.java.UDF1<scala.collection.Seq<Float>, Double>) t -> {
              float[] v = new float[t.size()];
              for (int i = 0; i < v.length; i++) {
                v[i] = t.apply(i);
              }
              return LelpMath.subclassEntropy(v, s);
            },
            DataTypes.DoubleType);
    written.sparkSession().sparkContext().setJobDescription("LELP: subclass entropy of the written targets");
    Row r =
        written
            .filter(functions.col(Columns.SPLIT).isin(org.sparkdistill.udfs.schema.Split.TRAIN.value(), org.sparkdistill.udfs.schema.Split.TRANSFER.value()))
            .agg(functions.avg(entropy.apply(functions.col(Columns.TARGET))))
            .first();
    written.sparkSession().sparkContext().setJobDescription(null);
    if (r.isNullAt(0)) {
      return Map.of();
    }
    double mean = r.getDouble(0);
    if (mean > FLAT_WARNING) {
      org.slf4j.LoggerFactory.getLogger(LelpModel.class).warn(
          "LELP: the subclass targets split each class almost evenly (mean normalised entropy {} of 1, S = {}, beta = {}, whiten = {}): they carry little beyond plain KD's;"
              + " set targets.lelp.whiten=true with targets.lelp.calibrate=true (a sharp split of a flat teacher drowns its class signal) or lower targets.lelp.subclassTemperature",
          String.format(Locale.ROOT, "%.3f", mean), s, getSubclassTemperature(), getWhiten());
    }
    return Map.of("lelpSubclassEntropy", mean);
  }

  /** Above this mean normalised subclass entropy the targets stage warns that the split is nearly even. */
  public static final double FLAT_WARNING = 0.95;

  /** Writes the model into {@code <runDir>/lelp-model/}. */
  @Override
  public void save(Path runDir, org.apache.hadoop.conf.Configuration conf) {
    try {
      LelpModelFiles.write(this, new Path(runDir, LelpModelFiles.DIR), conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the LELP model under " + runDir, e);
    }
  }

  @Override
  public LelpModel copy(ParamMap extra) {
    return copyValues(new LelpModel(uid, weights, figures), extra);
  }

  @Override
  public MLWriter write() {
    return new LelpModelFiles.Writer(this);
  }

  /** The reader of {@link #write()}'s format (Spark ML's {@code MLReadable} convention). */
  public static MLReader<LelpModel> read() {
    return new LelpModelFiles.Reader();
  }

  public static LelpModel load(String path) {
    return read().load(path);
  }

  /** The per-row target computation, shipped to executors. */
  static final class Targets implements UDF3<String, scala.collection.Seq<Float>, scala.collection.Seq<Float>, float[]> {
    private static final long serialVersionUID = 1L;
    private final Weights w;
    private final double tau;
    private final double beta;
    private final String source;

    Targets(Weights w, double tau, double beta, String source) {
      this.w = w;
      this.tau = tau;
      this.beta = beta;
      this.source = source;
    }

    @Override
    public float[] call(String id, scala.collection.Seq<Float> logits, scala.collection.Seq<Float> features) {
      return compute(id, toArray(id, "logits", logits, w.classes(), "the label set has " + w.classes()),
          toArray(id, "features", features, w.dim(), "the fitted LELP model has dimension " + w.dim()));
    }

    private double[] toArray(String id, String column, scala.collection.Seq<Float> seq, int expected, String why) {
      if (seq == null) {
        throw new IllegalArgumentException(String.format(Locale.ROOT, "teacher cache %s, row id=%s: column %s is null", source, id, column));
      }
      if (seq.size() != expected) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "teacher cache %s, row id=%s: column %s has %d values, %s (embedding dimension differs between cache and fitted model: refit, e.g. rebuild the targets stage)",
                source, id, column, seq.size(), why));
      }
      double[] out = new double[expected];
      for (int i = 0; i < expected; i++) {
        Float v = seq.apply(i);
        if (v == null || !Float.isFinite(v)) {
          throw new IllegalArgumentException(String.format(Locale.ROOT, "teacher cache %s, row id=%s, column %s[%d]: expected a finite number, got %s", source, id, column, i, v));
        }
        out[i] = v;
      }
      return out;
    }

    /** The C·S targets of one row (double precision, stored as float). */
    float[] compute(String id, double[] logits, double[] h) {
      int classes = w.classes();
      int s = w.subclasses();
      int d = w.dim();
      double[] p = Softmax.softmax(logits, tau);
      float[] out = new float[classes * s];
      double[] z = new double[s];
      for (int c = 0; c < classes; c++) {
        double[] v = w.directions()[c];
        double[] o = w.offsets()[c];
        for (int k = 0; k < s; k++) {
          z[k] = -o[k];
        }
        for (int i = 0; i < d; i++) {
          double hi = h[i];
          int row = i * s;
          for (int k = 0; k < s; k++) {
            z[k] += v[row + k] * hi;
          }
        }
        double[] q = Softmax.softmax(z, beta);
        for (int k = 0; k < s; k++) {
          out[c * s + k] = (float) (p[c] * q[k]);
        }
      }
      return out;
    }
  }

}
