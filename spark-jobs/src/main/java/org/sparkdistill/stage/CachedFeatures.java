package org.sparkdistill.stage;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.FeatureStorage;
import org.sparkdistill.udfs.schema.Int8FeatureDecoder;
import org.sparkdistill.udfs.schema.Int8FeatureRows;

/**
 * The one place where cached features are stored and read back ({@code cache.features}, layout in
 * {@link FeatureStorage}). Writers of {@code features} ({@code encode}, {@code score}) pass their
 * float32 rows through {@link #store}; every reader of an {@code encode} or {@code score} output
 * goes through {@link #read}, which returns the float32 schema whichever storage the output has,
 * decided from its manifest (setting {@code cache.features}; absent: float32, the only storage
 * before the setting existed), never from the data. A decoded column is computed only when a
 * query selects it, so readers of the logits alone pay nothing.
 */
public final class CachedFeatures {
  /** The plan and manifest key, equal to the config path. */
  public static final String SETTING = "cache.features";
  /** Manifest metric: the storage, in its config spelling. */
  public static final String STORAGE_METRIC = "featureStorage";
  /** Manifest metric: d, the length of every feature vector. */
  public static final String DIMENSION_METRIC = "featureDimension";

  private CachedFeatures() {}

  /**
   * Adds the storage to {@code plan} when it is int8; float32 adds nothing, so float32 outputs keep
   * the fingerprints they had before the setting existed (and are reused, not recomputed).
   */
  public static StagePlan plan(StagePlan plan, DistillConfig config) {
    if (config.cache.features == FeatureStorage.INT8) {
      plan.setting(SETTING, config.cache.features.value());
    }
    return plan;
  }

  /** The storage of the output {@code manifest} describes. */
  public static FeatureStorage storageOf(Manifest manifest, String source) {
    String recorded = manifest.settings() == null ? null : manifest.settings().get(SETTING);
    return recorded == null ? FeatureStorage.FLOAT32 : FeatureStorage.parse(recorded, source + " (manifest setting " + SETTING + ")");
  }

  /** {@code float32} rows (with {@code features}) as the rows a stage writes under {@code storage}. */
  public static Dataset<Row> store(Dataset<Row> float32, FeatureStorage storage, String stage) {
    if (storage == FeatureStorage.FLOAT32) {
      return float32;
    }
    return float32.map(new Int8FeatureRows(float32.schema(), stage), Encoders.row(CacheSchemas.stored(float32.schema(), storage)));
  }

  /** Records the storage and d of the data just written to {@code runDir} in the manifest's metrics. */
  public static StageWrite describe(StageWrite written, SparkSession spark, Path runDir, FeatureStorage storage) {
    String column = storage == FeatureStorage.INT8 ? Columns.FEATURES_INT8 : Columns.FEATURES;
    List<Row> first = spark.read().parquet(runDir.toString()).select(functions.col(column)).limit(1).collectAsList();
    int dimension = first.isEmpty() ? 0 : storage == FeatureStorage.INT8 ? ((byte[]) first.get(0).get(0)).length : first.get(0).getList(0).size();
    return written.metric(STORAGE_METRIC, storage.value()).metric(DIMENSION_METRIC, dimension);
  }

  /**
   * The listed data of {@code input} (an {@code encode} or {@code score} output) with {@code
   * float32Schema} checked and {@code features} as {@code array<float>}, decoded when the output
   * is int8.
   *
   * @throws IllegalStateException when an int8 manifest lacks the feature dimension
   */
  public static Dataset<Row> read(StageInput input, StructType float32Schema) {
    String source = input.output().dir().toString();
    FeatureStorage storage = storageOf(input.manifest(), source);
    if (storage == FeatureStorage.FLOAT32) {
      return input.read(float32Schema);
    }
    Object dim = input.manifest().metrics() == null ? null : input.manifest().metrics().get(DIMENSION_METRIC);
    if (!(dim instanceof Number)) {
      throw new IllegalStateException(
          "the " + input.stage() + " output at " + source + " is int8 but its manifest has no metric " + DIMENSION_METRIC + ": rerun the " + input.stage() + " stage with --overwrite");
    }
    Dataset<Row> stored = input.read(CacheSchemas.stored(float32Schema, storage));
    UserDefinedFunction decode =
        functions.udf(new Int8FeatureDecoder(((Number) dim).intValue(), source), DataTypes.createArrayType(DataTypes.FloatType, false)).asNonNullable();
    List<Column> columns = new ArrayList<>();
    for (StructField f : float32Schema.fields()) {
      if (f.name().equals(Columns.FEATURES)) {
        columns.add(
            decode.apply(functions.col(Columns.FEATURES_INT8), functions.col(Columns.FEATURES_SCALE), functions.col(Columns.ID), functions.input_file_name())
                .as(Columns.FEATURES));
      } else {
        columns.add(functions.col(f.name()));
      }
    }
    return stored.select(columns.toArray(new Column[0]));
  }
}
