package org.sparkdistill.udfs.schema;

import static org.apache.spark.sql.types.DataTypes.BinaryType;
import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.FloatType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The Parquet schemas that stages hand to each other, defined once. Writers build rows in the
 * field order given here; readers select columns by name and check them with {@code
 * SchemaCheck} before any work starts.
 *
 * <p>Bump {@link #VERSION} whenever a schema changes: manifests record it and readers refuse a
 * cache written under another version. The int8 feature storage ({@link #stored}) adds schemas
 * beside the float32 ones without changing them, so it keeps version 1: the storage is recorded
 * in the plan and manifest ({@code cache.features}) and decides which schema a reader checks.
 */
public final class CacheSchemas {
  /** Version of every schema below, recorded in each manifest. */
  public static final int VERSION = 1;

  private static final DataType FLOATS = createArrayType(FloatType, false);

  private CacheSchemas() {}

  /**
   * {@code schema} (one holding {@code features}, e.g. {@link #features()} or {@link #scores()})
   * as stored under {@code storage}: unchanged for float32; for int8, {@code features} is
   * replaced, at its position, by {@code features_int8} (binary, d signed bytes) and {@code
   * features_scale} (float), the layout of {@link FeatureStorage}.
   */
  public static StructType stored(StructType schema, FeatureStorage storage) {
    if (storage == FeatureStorage.FLOAT32) {
      return schema;
    }
    java.util.List<StructField> fields = new java.util.ArrayList<>();
    boolean found = false;
    for (StructField f : schema.fields()) {
      if (f.name().equals(Columns.FEATURES)) {
        fields.add(createStructField(Columns.FEATURES_INT8, BinaryType, false));
        fields.add(createStructField(Columns.FEATURES_SCALE, FloatType, false));
        found = true;
      } else {
        fields.add(f);
      }
    }
    if (!found) {
      throw new IllegalArgumentException("schema " + schema.simpleString() + " has no " + Columns.FEATURES + " column to store as " + storage.value());
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  /** A prepared dataset: one row per deduplicated text; {@code label} is null on transfer rows. */
  public static StructType examples() {
    return new StructType(
        new StructField[] {
          createStructField(Columns.ID, StringType, false),
          createStructField(Columns.SPLIT, StringType, false),
          createStructField(Columns.LABEL, StringType, true),
          createStructField(Columns.TEXT, StringType, false),
        });
  }

  /**
   * The quarantine of {@code prepare} with {@code data.onInvalid: skip} ({@code _quarantine/}
   * inside the prepare output, hidden from readers of the examples): one row per rejected input
   * row, with the rule it broke and its raw content, so nothing is lost. {@code id} is null where
   * the row had none or it could not be parsed.
   */
  public static StructType quarantine() {
    return new StructType(
        new StructField[] {
          createStructField(Columns.SOURCE_FILE, StringType, false),
          createStructField(Columns.LOCATION, StringType, false),
          createStructField(Columns.ID, StringType, true),
          createStructField(Columns.REASON, StringType, false),
          createStructField(Columns.RAW, StringType, true),
        });
  }

  /**
   * Output of {@code encode}: the frozen encoder's pooled sentence vector per text, keyed by id
   * only. It carries no split or label, so one encoding serves every split assignment and label
   * budget of the same texts; readers join it with {@link #examples()} on {@code id}.
   */
  public static StructType features() {
    return new StructType(
        new StructField[] {
          createStructField(Columns.ID, StringType, false),
          createStructField(Columns.NUM_TOKENS, IntegerType, false),
          createStructField(Columns.TRUNCATED, BooleanType, false),
          createStructField(Columns.FEATURES, FLOATS, false),
        });
  }

  /**
   * Output of {@code score}, the teacher cache every method reads: raw logits (dropout off), the
   * features that feed the final linear layer, and the Monte-Carlo-dropout statistics over K
   * passes. {@code predicted} is the argmax of the raw logits.
   */
  public static StructType scores() {
    return new StructType(
        new StructField[] {
          createStructField(Columns.ID, StringType, false),
          createStructField(Columns.SPLIT, StringType, false),
          createStructField(Columns.LABEL, StringType, true),
          createStructField(Columns.TRUNCATED, BooleanType, false),
          createStructField(Columns.LOGITS, FLOATS, false),
          createStructField(Columns.FEATURES, FLOATS, false),
          createStructField(Columns.PREDICTED, IntegerType, false),
          createStructField(Columns.MEAN_PROBS, FLOATS, false),
          createStructField(Columns.ENTROPY, DoubleType, false),
          createStructField(Columns.CERTAINTY, DoubleType, false),
          createStructField(Columns.VARIANCE, FLOATS, false),
          createStructField(Columns.MUTUAL_INFO, DoubleType, false),
        });
  }

  /**
   * Output of {@code targets}, what every student trains on: the text, the target distribution
   * over the configured labels (in manifest label order), a per-row weight, and the true label
   * where the row has one (null on transfer rows and on rows of splits with hidden labels).
   */
  public static StructType targets() {
    return new StructType(
        new StructField[] {
          createStructField(Columns.ID, StringType, false),
          createStructField(Columns.SPLIT, StringType, false),
          createStructField(Columns.LABEL, StringType, true),
          createStructField(Columns.TEXT, StringType, false),
          createStructField(Columns.TARGET, FLOATS, false),
          createStructField(Columns.WEIGHT, DoubleType, false),
        });
  }

  /** Output of {@code predict}: a student's class (index into the label order) and probabilities. */
  public static StructType predictions() {
    return new StructType(
        new StructField[] {
          createStructField(Columns.ID, StringType, false),
          createStructField(Columns.SPLIT, StringType, true),
          createStructField(Columns.LABEL, StringType, true),
          createStructField(Columns.PREDICTED, IntegerType, false),
          createStructField(Columns.PROBABILITIES, FLOATS, false),
        });
  }
}
