package org.sparkdistill.method.embedding;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.method.DistillationMethod;
import org.sparkdistill.method.TargetSchema;
import org.sparkdistill.method.TargetTransform;
import org.sparkdistill.method.TeacherInput;
import org.sparkdistill.stage.CachedFeatures;
import org.sparkdistill.stage.ScoreStage;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.student.Readout;
import org.sparkdistill.udfs.train.FeatureMatchLoss;
import org.sparkdistill.udfs.train.StudentLoss;

/**
 * {@code targets.method: embedding}: embedding distillation (FitNets-style feature matching), the
 * LELP comparison's baseline that transfers the teacher's embedding rather than its soft labels.
 * The target of every cache row is the teacher's cached feature vector h (the d floats that feed
 * its head W; no fit step). The student is the same architecture as every other student with C +
 * d outputs: its last layer gives the C class logits and a linear projection g of its hidden
 * representation to d. It is trained by {@link FeatureMatchLoss}: CE on the class logits where a
 * row has a label, plus {@code student.featureWeight} (λ) times ‖g − h‖² on every train and
 * transfer row; the readout reads the class logits only ({@link Readout#withAuxiliary}), so
 * predict and evaluate see C classes and the projection costs nothing at inference beyond its d
 * extra outputs.
 *
 * <p>d comes from the {@code score} output's manifest ({@code featureDimension}), read when the
 * student's outputs are first asked for. Cost of the targets: a copy of d floats per row.
 */
public final class EmbeddingMethod implements DistillationMethod {
  public static final String NAME = "embedding";
  static final String ROLE = "teacher";
  /** Output names of the projection: {@code feature:0} ... {@code feature:d-1}. */
  public static final String FEATURE_PREFIX = "feature:";

  private final DistillConfig config;
  private Integer dimension;

  public EmbeddingMethod(DistillConfig config) {
    this.config = config;
    if (!(config.student.featureWeight >= 0) || !Double.isFinite(config.student.featureWeight)) {
      throw new IllegalArgumentException("student.featureWeight must be finite and >= 0, got: " + config.student.featureWeight);
    }
  }

  /** Registers {@code targets.method: embedding}. */
  public static final class Factory implements DistillationMethod.Factory {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public DistillationMethod create(DistillConfig config) {
      return new EmbeddingMethod(config);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Nothing beyond the cache shapes the targets (they are its features). */
  @Override
  public SortedMap<String, String> settings() {
    return new TreeMap<>();
  }

  @Override
  public List<TeacherInput> teachers() {
    return List.of(new TeacherInput(ROLE, ScoreStage.NAME, config.data.labels));
  }

  @Override
  public void checkCaches(Map<String, Manifest> manifests, Map<String, String> sources) {
    dimension = dimensionOf(manifests.get(ROLE), sources.get(ROLE));
  }

  @Override
  public TargetTransform fit(Map<String, Dataset<Row>> caches) {
    return (rows, sources) -> {
      int d = dimension();
      return rows.get(ROLE).select(Columns.ID, Columns.FEATURES).map(new Features(d, sources.get(ROLE)), Encoders.row(TargetSchema.ROWS));
    };
  }

  /** d, from the {@code score} output this run reads (its manifest's {@code featureDimension}). */
  int dimension() {
    if (dimension == null) {
      String dir = config.outputs.getOrDefault(ScoreStage.NAME, new Path(config.workDir, ScoreStage.NAME).toString());
      StageOutput output = new StageOutput(dir, SparkSession.active().sparkContext().hadoopConfiguration());
      dimension = dimensionOf(output.requireFinished(ScoreStage.NAME), dir);
    }
    return dimension;
  }

  static int dimensionOf(Manifest manifest, String source) {
    Object d = manifest.metrics() == null ? null : manifest.metrics().get(CachedFeatures.DIMENSION_METRIC);
    if (!(d instanceof Number) || ((Number) d).intValue() < 1) {
      throw new IllegalStateException(
          "the teacher cache at " + source + " records no " + CachedFeatures.DIMENSION_METRIC + " (got " + d + "): embedding distillation needs the feature"
              + " width; rerun the score stage with --overwrite");
    }
    return ((Number) d).intValue();
  }

  @Override
  public List<String> studentOutputs(List<String> classes) {
    int d = dimension();
    List<String> out = new ArrayList<>(classes);
    for (int k = 0; k < d; k++) {
      out.add(FEATURE_PREFIX + k);
    }
    return out;
  }

  @Override
  public Readout readout(List<String> classes) {
    return Readout.withAuxiliary(classes, dimension());
  }

  @Override
  public StudentLoss loss(SortedMap<String, String> targetSettings, DistillConfig.StudentSettings student) {
    return new FeatureMatchLoss(config.data.labels.size(), student.featureWeight);
  }

  @Override
  public SortedMap<String, String> lossSettings(DistillConfig.StudentSettings student) {
    SortedMap<String, String> s = new TreeMap<>();
    s.put("student.featureWeight", Double.toString(student.featureWeight));
    return s;
  }

  /** The features as the target, refusing non-finite values and a width other than d. */
  private static final class Features implements MapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final int dimension;
    private final String source;

    Features(int dimension, String source) {
      this.dimension = dimension;
      this.source = source;
    }

    @Override
    public Row call(Row row) {
      String id = row.getString(0);
      List<Float> list = row.getList(1);
      if (list.size() != dimension) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "teacher cache %s, row id=%s: features has %d values, the cache's manifest records d = %d", source, id, list.size(), dimension));
      }
      float[] h = RowArrays.floats(list);
      for (int k = 0; k < h.length; k++) {
        if (!Float.isFinite(h[k])) {
          throw new IllegalArgumentException(
              String.format(Locale.ROOT, "teacher cache %s, row id=%s, column features[%d]: expected a finite number, got %s", source, id, k, h[k]));
        }
      }
      return RowFactory.create(id, h, 1.0);
    }
  }
}
