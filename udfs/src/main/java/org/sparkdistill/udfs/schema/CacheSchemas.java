package org.sparkdistill.udfs.schema;

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
 * cache written under another version.
 */
public final class CacheSchemas {
  /** Version of every schema below, recorded in each manifest. */
  public static final int VERSION = 1;

  private static final DataType FLOATS = createArrayType(FloatType, false);

  private CacheSchemas() {}

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
