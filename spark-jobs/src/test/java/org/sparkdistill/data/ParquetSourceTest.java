package org.sparkdistill.data;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sparkdistill.data.TinyInputs.LABELS;
import static org.sparkdistill.data.TinyInputs.settings;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.schema.CacheSchemas;

/** User Parquet input: column mapping, validation on executors, and partition-independent splits. */
class ParquetSourceTest {
  private static final StructType USER =
      new StructType()
          .add("doc_id", DataTypes.StringType)
          .add("body", DataTypes.StringType)
          .add("topic", DataTypes.StringType)
          .add("family", DataTypes.StringType);

  @TempDir Path dir;

  private final SparkSession spark = SharedSpark.session();

  private Path write(String name, List<Row> rows, StructType schema, int files) {
    Path out = dir.resolve(name);
    spark.createDataFrame(rows, schema).repartition(files).write().parquet(out.toString());
    return out;
  }

  private static Row row(String id, String body, String topic, String family) {
    return RowFactory.create(id, body, topic, family);
  }

  private static DistillConfig.DataSettings userSettings(Path path) {
    DistillConfig.DataSettings data = settings("parquet", path, LABELS);
    data.columns.id = "doc_id";
    data.columns.text = "body";
    data.columns.label = "topic";
    data.columns.group = "family";
    return data;
  }

  private static List<Row> manyRows(int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(row("doc-" + i, "text number " + i + " about " + LABELS.get(i % 3), LABELS.get(i % 3), "fam-" + (i / 4)));
    }
    return rows;
  }

  @Test
  void readsMappedColumnsAndSplitsTheSameWhateverTheFileCount() {
    List<Row> rows = manyRows(600);
    DistillConfig.DataSettings one = userSettings(write("one", rows, USER, 1));
    DistillConfig.DataSettings seven = userSettings(write("seven", rows, USER, 7));
    one.split.labelledPerClass = 10;
    seven.split.labelledPerClass = 10;
    PreparedExamples a = new ExamplePreparer(spark, one).prepare();
    PreparedExamples b = new ExamplePreparer(spark, seven).prepare();
    assertThat(a.examples().schema()).isEqualTo(CacheSchemas.examples());
    assertThat(a.report().rawRows()).isEqualTo(600);
    assertThat(a.report().rowsBySplit().get("train")).isEqualTo(30);
    assertThat(sorted(a.examples())).isEqualTo(sorted(b.examples()));
    assertThat(a.report()).isEqualTo(b.report());
  }

  @Test
  void integerIdsAreAccepted() {
    StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType).add("label", DataTypes.StringType);
    Path path = write("ints", List.of(RowFactory.create(7L, "seven", "net"), RowFactory.create(8L, "eight", "games")), schema, 1);
    PreparedExamples prepared = new ExamplePreparer(spark, settings("parquet", path, LABELS)).prepare();
    assertThat(prepared.examples().select("id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
        .containsExactlyInAnyOrder("7", "8");
  }

  @Test
  void misnamedColumnListsTheColumnsPresent() {
    Path path = write("mis", manyRows(3), USER, 1);
    DistillConfig.DataSettings data = userSettings(path);
    data.columns.text = "text";
    assertThatThrownBy(() -> new ExamplePreparer(spark, data).prepare())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(path.toString())
        .hasMessageContaining("no column \"text\" (data.columns.text)")
        .hasMessageContaining("columns present: doc_id string, body string, topic string, family string");
  }

  @Test
  void missingGroupColumn() {
    Path path = write("nogroup", manyRows(3), USER, 1);
    DistillConfig.DataSettings data = userSettings(path);
    data.columns.group = "source";
    assertThatThrownBy(() -> new ExamplePreparer(spark, data).prepare()).hasMessageContaining("no column \"source\" (data.columns.group)");
  }

  @Test
  void wrongColumnType() {
    StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType).add("label", DataTypes.IntegerType);
    Path path = write("type", List.of(RowFactory.create("a", "x", 1)), schema, 1);
    assertThatThrownBy(() -> new ExamplePreparer(spark, settings("parquet", path, LABELS)).prepare())
        .hasMessageContaining("column \"label\" (data.columns.label) must be string, found int");
  }

  @Test
  void nullTextNamesTheRowAndFile() {
    List<Row> rows = manyRows(5);
    rows.add(row("doc-bad", null, "net", "f"));
    Path path = write("nulltext", rows, USER, 2);
    assertThatThrownBy(() -> new ExamplePreparer(spark, userSettings(path)).prepare())
        .hasMessageContaining(path.toString())
        .hasMessageContaining(".parquet")
        .hasMessageContaining("row with id \"doc-bad\" (column \"body\"): text is null");
  }

  @Test
  void blankTextNamesTheRow() {
    List<Row> rows = manyRows(5);
    rows.add(row("doc-blank", "  \n ", "net", "f"));
    Path path = write("blank", rows, USER, 1);
    assertThatThrownBy(() -> new ExamplePreparer(spark, userSettings(path)).prepare())
        .hasMessageContaining("row with id \"doc-blank\" (column \"body\"): text is blank");
  }

  @Test
  void labelOutsideTheSetNamesLabelRowAndSet() {
    List<Row> rows = manyRows(5);
    rows.add(row("doc-k", "a kernel", "kernel", "f"));
    rows.add(row("doc-z", "another kernel", "kernel", "g"));
    Path path = write("label", rows, USER, 1);
    assertThatThrownBy(() -> new ExamplePreparer(spark, userSettings(path)).prepare())
        .hasMessageContaining("row with id \"doc-k\" (column \"topic\"): label \"kernel\" is not in data.labels [games, net, science]")
        .hasMessageContaining("2 rows have problems");
  }

  @Test
  void nullLabelIsAnError() {
    List<Row> rows = manyRows(5);
    rows.add(row("doc-n", "unlabelled", null, "f"));
    Path path = write("nolabel", rows, USER, 1);
    assertThatThrownBy(() -> new ExamplePreparer(spark, userSettings(path)).prepare())
        .hasMessageContaining("row with id \"doc-n\" (column \"topic\"): label is null");
  }

  @Test
  void duplicateIdsNameTheIdAndCount() {
    List<Row> rows = manyRows(5);
    rows.add(row("doc-1", "again", "net", "f"));
    rows.add(row("doc-1", "and again", "net", "f"));
    rows.add(row("doc-2", "twice", "net", "f"));
    Path path = write("dups", rows, USER, 3);
    assertThatThrownBy(() -> new ExamplePreparer(spark, userSettings(path)).prepare())
        .hasMessageContaining(path.toString())
        .hasMessageContaining("id \"doc-1\" (column \"doc_id\") appears 3 times; ids must be unique; 1 more ids are repeated");
  }

  @Test
  void invalidUtf8InTheTextColumnNamesTheRowAndBytes() {
    // Spark's binary-to-string cast does not validate, so this writes a Parquet string column
    // holding bytes that are not UTF-8 (as a careless producer could).
    StructType binary = new StructType().add("doc_id", DataTypes.StringType).add("raw", DataTypes.BinaryType)
        .add("topic", DataTypes.StringType).add("family", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create("doc-ok", "fine".getBytes(StandardCharsets.UTF_8), "net", "f"));
    rows.add(RowFactory.create("doc-utf", new byte[] {'a', 'b', (byte) 0xE2, (byte) 0x82, 'c'}, "net", "f"));
    Path path = dir.resolve("utf8");
    Dataset<Row> df = spark.createDataFrame(rows, binary)
        .select(col("doc_id"), col("raw").cast("string").as("body"), col("topic"), col("family"));
    df.write().parquet(path.toString());
    assertThat(spark.read().parquet(path.toString()).schema().apply("body").dataType()).isEqualTo(DataTypes.StringType);
    assertThatThrownBy(() -> new ExamplePreparer(spark, userSettings(path)).prepare())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row with id \"doc-utf\" (column \"body\"): invalid UTF-8 at byte offset 2 (bytes 0xE2 0x82)");
  }

  @Test
  void missingPath() {
    Path path = dir.resolve("absent");
    assertThatThrownBy(() -> new ExamplePreparer(spark, userSettings(path)).prepare())
        .hasMessageContaining("data.path " + path + " does not exist")
        .hasMessageContaining("Parquet");
  }

  static List<String> sorted(Dataset<Row> examples) {
    List<String> out = new ArrayList<>();
    for (Row row : examples.orderBy("id").collectAsList()) {
      out.add(row.mkString("|"));
    }
    return out;
  }
}
