package org.sparkdistill.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.input_file_name;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.InvalidRowPolicy;
import org.sparkdistill.udfs.schema.Columns;

/**
 * {@code csv}, {@code tsv} and {@code jsonl}: a file or directory of delimited text or JSON lines
 * (optionally {@code .gz}), read with Spark's own readers, then the same column mapping ({@code
 * data.columns}) and row checks as Parquet ({@link ParquetSource#validated}).
 *
 * <ul>
 *   <li>CSV: RFC 4180 quoting ({@code "} quotes, {@code ""} escapes a quote), fields may span
 *       lines; TSV: the same with a tab; both with a header row unless {@code data.header: false}
 *       (then the columns are {@code _c0}, {@code _c1}, ... and {@code data.columns} names those).
 *       Every column is read as a string.
 *   <li>JSON lines: one object per line; a line that is not a JSON object is an error naming the
 *       file and the line's start.
 *   <li>A UTF-8 byte-order mark at the start of a file is accepted (and dropped).
 *   <li>Invalid UTF-8 is found on the raw bytes first ({@link RawUtf8Scan}: one extra read of the
 *       input, one task per file), because Spark's text readers replace malformed bytes with
 *       U+FFFD; it is reported with file, line and byte offset, never replaced. A truncated or
 *       corrupt {@code .gz} is reported there too, with its cause.
 * </ul>
 */
final class TextTableSource implements RawSource {
  static final String CSV = "csv";
  static final String TSV = "tsv";
  static final String JSONL = "jsonl";
  private static final String BOM = "\uFEFF";
  private static final String CORRUPT = "_corrupt_record";

  private final SparkSession spark;
  private final String format;
  private final DistillConfig.DataSettings settings;
  /** {@code jsonl} with {@code onInvalid: skip}: the lines that are not JSON objects, as quarantine rows. */
  private Dataset<Row> unparsableLines;

  TextTableSource(SparkSession spark, String format, DistillConfig.DataSettings settings) {
    this.spark = spark;
    this.format = format;
    this.settings = settings;
  }

  private String expected() {
    return switch (format) {
      case JSONL -> "a JSON-lines file (one object per line, optionally .gz) or a directory of them";
      case TSV -> "a tab-separated file with a header row (optionally .gz) or a directory of them";
      default -> "a CSV file with a header row (optionally .gz) or a directory of them";
    };
  }

  @Override
  public RawData read() {
    String path = settings.path;
    RawFiles.require(path, spark.sparkContext().hadoopConfiguration(), expected());
    if (RawFiles.dataFiles(path, spark.sparkContext().hadoopConfiguration()).isEmpty()) {
      throw new IllegalArgumentException("data.path " + path + " (data.format: " + format + ") holds no data files; expected " + expected());
    }
    RawUtf8Scan.require(spark, path, format);
    Dataset<Row> table = format.equals(JSONL) ? json(path) : delimited(path);
    ParquetSource checks = new ParquetSource(spark, path, settings.columns, settings.labels, settings.onInvalid);
    return checks.validated(table, format.equals(JSONL) ? unparsableLines : null);
  }

  private Dataset<Row> delimited(String path) {
    DataFrameReader reader =
        spark.read()
            .option("header", settings.header)
            .option("sep", format.equals(TSV) ? "\t" : ",")
            .option("quote", "\"")
            .option("escape", "\"")
            .option("multiLine", true)
            .option("inferSchema", false)
            .option("mode", "PERMISSIVE")
            .option("encoding", "UTF-8");
    Dataset<Row> table = reader.csv(path);
    // A byte-order mark before the header sticks to the first column's name; drop it.
    String[] names = table.columns();
    if (names.length > 0 && names[0].startsWith(BOM)) {
      names[0] = names[0].substring(1);
      table = table.toDF(names);
    }
    if (!settings.header && names.length > 0) {
      // Without a header the BOM would stick to the first value of each file's first row.
      table = table.withColumn(names[0], org.apache.spark.sql.functions.regexp_replace(col(names[0]), "^" + BOM, ""));
    }
    return table;
  }

  private Dataset<Row> json(String path) {
    // Spark's JSON reader rejects a line that starts with a BOM; read lines, drop a leading BOM,
    // then parse with the schema Spark infers from the cleaned lines.
    Dataset<Row> lines =
        spark.read().text(path)
            .select(org.apache.spark.sql.functions.regexp_replace(col("value"), "^" + BOM, "").as("value"), input_file_name().as("file"))
            .filter(org.apache.spark.sql.functions.trim(col("value")).notEqual(""));
    Dataset<String> text = lines.select("value").as(org.apache.spark.sql.Encoders.STRING());
    if (text.isEmpty()) {
      throw new IllegalArgumentException(
          "data.path " + path + " (data.format: jsonl) has no data rows (an empty file, or only blank lines): nothing to prepare; point data.path at the dataset");
    }
    StructType inferred = spark.read().option("mode", "PERMISSIVE").json(text).schema();
    StructType schema = inferred.getFieldIndex(CORRUPT).isDefined() ? inferred : inferred.add(CORRUPT, DataTypes.StringType);
    Column parsed = org.apache.spark.sql.functions.from_json(col("value"), schema, java.util.Map.of("mode", "PERMISSIVE", "columnNameOfCorruptRecord", CORRUPT));
    Dataset<Row> rows = lines.select(parsed.as("r"), col("file"), col("value")).cache();
    Column unparsable = col("r." + CORRUPT).isNotNull().or(col("r").isNull());
    if (settings.onInvalid == InvalidRowPolicy.SKIP) {
      unparsableLines =
          rows.filter(unparsable)
              .select(
                  col("file").as(Columns.SOURCE_FILE),
                  lit("line that is not a JSON object").as(Columns.LOCATION),
                  lit(null).cast("string").as(Columns.ID),
                  lit("not a JSON object; every line must be one JSON object with the columns of data.columns").as(Columns.REASON),
                  col("value").as(Columns.RAW));
      rows = rows.filter(unparsable.unary_$bang());
    }
    Row bad = rows.filter(unparsable).select(col("file"), col("value")).orderBy("file").limit(1).collectAsList().stream().findFirst().orElse(null);
    if (bad != null) {
      String line = bad.getString(1);
      rows.unpersist();
      throw new IllegalArgumentException(
          bad.getString(0) + " (data.format: jsonl): a line is not a JSON object: \"" + (line.length() > 80 ? line.substring(0, 80) + "..." : line)
              + "\"; every line must be one JSON object with the columns of data.columns");
    }
    List<String> fields = Arrays.stream(schema.fields()).map(StructField::name).filter(n -> !n.equals(CORRUPT)).toList();
    return rows.select(fields.stream().map(n -> col("r." + n).as(n)).toArray(Column[]::new));
  }
}
