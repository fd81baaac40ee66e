package org.sparkdistill.data;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.expressions.Window;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.InvalidRowPolicy;
import org.sparkdistill.udfs.schema.Columns;

/**
 * {@code parquet}: a user's Parquet file or directory with the columns named in {@code
 * data.columns}: id (string, int or long), text (string), label (string, required on every row
 * and one of {@code data.labels}) and optionally group (string, int or long; empty setting: each
 * row is its own group).
 *
 * <p>Read and validated with Spark, so it scales with the cluster. Validation costs two jobs: one
 * scan that counts rows and finds the first bad row (null or blank id, group or text, text that is
 * not valid UTF-8, a missing or unknown label), and one shuffle by id that finds repeated ids. The
 * text is checked as raw bytes ({@code cast("binary")}) on the executors with a strict decoder, so
 * invalid UTF-8 is reported by row id instead of being read as U+FFFD.
 */
final class ParquetSource implements RawSource {
  private static final String EXPECTED = "a Parquet file or directory";
  private static final UserDefinedFunction UTF8_PROBLEM =
      udf((UDF1<byte[], String>) Utf8Check::problem, DataTypes.StringType).withName("utf8_problem");

  private final SparkSession spark;
  private final String path;
  private final DistillConfig.ColumnSettings columns;
  private final List<String> labels;
  private final InvalidRowPolicy onInvalid;

  ParquetSource(SparkSession spark, String path, DistillConfig.ColumnSettings columns, List<String> labels, InvalidRowPolicy onInvalid) {
    this.spark = spark;
    this.path = path;
    this.columns = columns;
    this.labels = labels;
    this.onInvalid = onInvalid;
  }

  @Override
  public RawData read() {
    RawFiles.require(path, spark.sparkContext().hadoopConfiguration(), EXPECTED);
    if (RawFiles.dataFiles(path, spark.sparkContext().hadoopConfiguration()).isEmpty()) {
      throw new IllegalArgumentException(
          "data.path " + path + " (data.format: parquet) holds no data files; expected " + EXPECTED
              + " with at least one part file: check the path, or that the job that wrote it finished");
    }
    return validated(spark.read().parquet(path));
  }

  /**
   * The checks on an already read table whose columns are named by {@code data.columns} (also
   * used by the CSV, TSV and JSON-lines sources).
   */
  RawData validated(Dataset<Row> source) {
    return validated(source, null);
  }

  /**
   * As {@link #validated(Dataset)}, with rows the reader already rejected ({@code
   * CacheSchemas.quarantine()}; null: none), e.g. JSON lines that are not objects.
   */
  RawData validated(Dataset<Row> source, Dataset<Row> rejectedByReader) {
    checkSchema(source.schema());
    if (onInvalid == InvalidRowPolicy.SKIP) {
      return skipInvalid(source, rejectedByReader);
    }
    Dataset<Row> raw = source.select(rawColumns());
    long rows = checkRows(raw);
    checkUniqueIds(raw);
    return RawData.valid(raw, rows);
  }

  /**
   * {@code onInvalid: skip}: every row that breaks a rule of {@link #problem} or shares its id
   * with another row goes to the quarantine with its reason and its columns as JSON. Costs a
   * shuffle by id (the repeated-id window) each time the result is computed, and one job here to
   * count both sides.
   */
  private RawData skipInvalid(Dataset<Row> source, Dataset<Row> rejectedByReader) {
    boolean hasGroup = !columns.group.isEmpty();
    List<Column> original = new ArrayList<>(List.of(col(columns.id), col(columns.label), col(columns.text)));
    if (hasGroup) {
      original.add(col(columns.group));
    }
    List<Column> selected = new ArrayList<>(List.of(rawColumns()));
    selected.add(to_json(struct(original.toArray(Column[]::new))).as(Work.RAW));
    selected.add(input_file_name().as(Work.FILE));
    Dataset<Row> raw = source.select(selected.toArray(Column[]::new));
    Column repeats = count(lit(1)).over(Window.partitionBy(col(RawColumns.ID)));
    Dataset<Row> checked =
        raw.withColumn(
            Work.REASON,
            coalesce(
                problem(),
                when(col(RawColumns.ID).isNotNull().and(repeats.gt(1)), concat(lit("id appears "), repeats.cast("string"), lit(" times; ids must be unique")))));
    Dataset<Row> valid = checked.filter(col(Work.REASON).isNull()).select(RawColumns.ID, RawColumns.LABEL, RawColumns.GROUP, RawColumns.TEXT);
    Dataset<Row> rejected =
        checked
            .filter(col(Work.REASON).isNotNull())
            .select(
                when(col(Work.FILE).equalTo(""), lit(path)).otherwise(col(Work.FILE)).as(Columns.SOURCE_FILE),
                when(col(RawColumns.ID).isNull(), lit("row with a null id")).otherwise(concat(lit("row id \""), col(RawColumns.ID), lit("\""))).as(Columns.LOCATION),
                col(RawColumns.ID).as(Columns.ID),
                col(Work.REASON).as(Columns.REASON),
                col(Work.RAW).as(Columns.RAW));
    if (rejectedByReader != null) {
      rejected = rejected.unionByName(rejectedByReader);
    }
    Row counts =
        checked.agg(count(lit(1)).as("rows"), count(col(Work.REASON)).as("bad")).first();
    long readerRejected = rejectedByReader == null ? 0 : rejectedByReader.count();
    long bad = counts.getLong(1) + readerRejected;
    return new RawData(valid, counts.getLong(0) - counts.getLong(1), bad == 0 ? null : rejected, bad);
  }

  /** The source's columns ({@code data.columns}) as {@link RawColumns#schema()}. */
  private Column[] rawColumns() {
    boolean hasGroup = !columns.group.isEmpty();
    return new Column[] {
      col(columns.id).cast("string").as(RawColumns.ID),
      col(columns.label).as(RawColumns.LABEL),
      (hasGroup ? col(columns.group).cast("string") : col(columns.id).cast("string")).as(RawColumns.GROUP),
      col(columns.text).as(RawColumns.TEXT)
    };
  }

  /** Working column names of {@link #skipInvalid}. */
  private static final class Work {
    static final String RAW = "_raw";
    static final String FILE = "_file";
    static final String REASON = "_reason";
  }

  private void checkSchema(StructType schema) {
    List<String> problems = new ArrayList<>();
    requireColumn(schema, "id", columns.id, problems, DataTypes.StringType, DataTypes.IntegerType, DataTypes.LongType);
    requireColumn(schema, "text", columns.text, problems, DataTypes.StringType);
    requireColumn(schema, "label", columns.label, problems, DataTypes.StringType);
    if (!columns.group.isEmpty()) {
      requireColumn(schema, "group", columns.group, problems, DataTypes.StringType, DataTypes.IntegerType, DataTypes.LongType);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          path + ": " + String.join("; ", problems) + " (columns present: " + describe(schema) + ")");
    }
  }

  private static void requireColumn(
      StructType schema, String setting, String name, List<String> problems, DataType... allowed) {
    StructField found = null;
    for (StructField field : schema.fields()) {
      if (field.name().equals(name)) {
        found = field;
      }
    }
    List<String> allowedNames = new ArrayList<>();
    for (DataType type : allowed) {
      allowedNames.add(type.simpleString());
    }
    if (found == null) {
      problems.add("no column \"" + name + "\" (data.columns." + setting + ")");
    } else if (!allowedNames.contains(found.dataType().simpleString())) {
      problems.add(
          "column \"" + name + "\" (data.columns." + setting + ") must be " + String.join(" or ", allowedNames)
              + ", found " + found.dataType().simpleString());
    }
  }

  private static String describe(StructType schema) {
    List<String> out = new ArrayList<>();
    for (StructField field : schema.fields()) {
      out.add(field.name() + " " + field.dataType().simpleString());
    }
    return String.join(", ", out);
  }

  /** The first rule a row of {@code raw} ({@link RawColumns}) breaks, or null. */
  private Column problem() {
    Column id = col(RawColumns.ID);
    Column text = col(RawColumns.TEXT);
    Column label = col(RawColumns.LABEL);
    Column group = col(RawColumns.GROUP);
    return when(id.isNull(), lit("id is null"))
            .when(id.rlike("^\\s*$"), lit("id is blank"))
            .when(text.isNull(), lit("text is null; every example needs a non-blank text"))
            .when(UTF8_PROBLEM.apply(text.cast("binary")).isNotNull(), UTF8_PROBLEM.apply(text.cast("binary")))
            .when(text.rlike("^\\s*$"), lit("text is blank; every example needs a non-blank text"))
            .when(group.isNull().or(group.rlike("^\\s*$")), lit("group is null or blank"))
            .when(label.isNull(), lit("label is null; every row needs a label from data.labels " + labels))
            .when(
                label.isin(labels.toArray()).unary_$bang(),
                concat(lit("label \""), label, lit("\" is not in data.labels " + labels)));
  }

  /** One scan: counts rows and reports the first bad row (smallest id, then file) if any. */
  private long checkRows(Dataset<Row> raw) {
    Column id = col(RawColumns.ID);
    Column problem = problem();
    Row result =
        raw.select(
                problem.as("problem"), id, input_file_name().as("file"))
            .agg(
                count(lit(1)).as("rows"),
                count(col("problem")).as("bad"),
                min(when(col("problem").isNotNull(), struct(id, col("problem"), col("file")))).as("first"))
            .first();
    long bad = result.getLong(1);
    if (bad > 0) {
      Row first = result.getStruct(2);
      String more = bad > 1 ? String.format(Locale.ROOT, " (%d rows have problems; this is the first by id)", bad) : "";
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s, row with id %s (column \"%s\"): %s%s",
              first.getString(2).isEmpty() ? path : first.getString(2),
              first.isNullAt(0) ? "null" : "\"" + first.getString(0) + "\"",
              columnOf(first.getString(1)),
              first.getString(1),
              more));
    }
    return result.getLong(0);
  }

  private String columnOf(String problem) {
    if (problem.startsWith("id")) {
      return columns.id;
    } else if (problem.startsWith("group")) {
      return columns.group;
    } else if (problem.startsWith("label")) {
      return columns.label;
    }
    return columns.text;
  }

  /** One shuffle by id: reports the smallest repeated id, its count and how many ids repeat. */
  private void checkUniqueIds(Dataset<Row> raw) {
    Row result =
        raw.groupBy(RawColumns.ID)
            .agg(count(lit(1)).as("n"))
            .filter(col("n").gt(1))
            .agg(count(lit(1)).as("ids"), min(struct(col(RawColumns.ID), col("n"))).as("first"))
            .first();
    long repeatedIds = result.getLong(0);
    if (repeatedIds > 0) {
      Row first = result.getStruct(1);
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s: id \"%s\" (column \"%s\") appears %d times; ids must be unique%s",
              path,
              first.getString(0),
              columns.id,
              first.getLong(1),
              repeatedIds > 1 ? "; " + (repeatedIds - 1) + " more ids are repeated" : ""));
    }
  }
}
