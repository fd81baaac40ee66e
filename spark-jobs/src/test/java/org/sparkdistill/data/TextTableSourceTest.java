package org.sparkdistill.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sparkdistill.data.TinyInputs.LABELS;
import static org.sparkdistill.data.TinyInputs.settings;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.SharedSpark;

/** CSV, TSV and JSON lines through Spark's readers: quoting, multi-line fields, BOM, strict UTF-8. */
class TextTableSourceTest {
  @TempDir Path dir;
  private final SparkSession spark = SharedSpark.session();

  /** The texts every file below holds, written out by hand. */
  private static final Map<String, String> EXPECTED =
      new TreeMap<>(
          Map.of(
              "a1", "plain text about games",
              "a2", "a comma, inside quotes",
              "a3", "a \"quoted\" word",
              "a4", "two\nlines of text",
              "a5", "ünïcödé text"));

  private static final String CSV =
      "doc,body,topic\n"
          + "a1,plain text about games,games\n"
          + "a2,\"a comma, inside quotes\",net\n"
          + "a3,\"a \"\"quoted\"\" word\",science\n"
          + "a4,\"two\nlines of text\",net\n"
          + "a5,ünïcödé text,games\n";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bom(byte[] b) {
    byte[] out = new byte[b.length + 3];
    out[0] = (byte) 0xEF;
    out[1] = (byte) 0xBB;
    out[2] = (byte) 0xBF;
    System.arraycopy(b, 0, out, 3, b.length);
    return out;
  }

  private DistillConfig.DataSettings mapped(String format, Path path) {
    DistillConfig.DataSettings s = settings(format, path, LABELS);
    s.columns.id = "doc";
    s.columns.text = "body";
    s.columns.label = "topic";
    return s;
  }

  private Map<String, String> texts(String format, Path path) {
    RawData data = new TextTableSource(spark, format, mapped(format, path)).read();
    Map<String, String> out = new TreeMap<>();
    for (Row r : data.rows().select(RawColumns.ID, RawColumns.TEXT).collectAsList()) {
      out.put(r.getString(0), r.getString(1));
    }
    assertThat(data.count()).isEqualTo(out.size());
    return out;
  }

  private static String jsonLine(String id, String text, String label) {
    return "{\"doc\": " + TinyInputs.quote(id) + ", \"body\": " + TinyInputs.quote(text) + ", \"topic\": " + TinyInputs.quote(label) + "}";
  }

  private static String jsonl() {
    return jsonLine("a1", EXPECTED.get("a1"), "games") + "\n"
        + jsonLine("a2", EXPECTED.get("a2"), "net") + "\n"
        + jsonLine("a3", EXPECTED.get("a3"), "science") + "\n"
        + jsonLine("a4", EXPECTED.get("a4"), "net") + "\n"
        + jsonLine("a5", EXPECTED.get("a5"), "games") + "\n";
  }

  @Test
  void csvWithQuotesMultiLineFieldsAndABomReadsEveryText() {
    assertThat(texts("csv", TinyInputs.write(dir, "plain.csv", utf8(CSV)))).isEqualTo(EXPECTED);
    assertThat(texts("csv", TinyInputs.write(dir, "bom.csv", bom(utf8(CSV))))).isEqualTo(EXPECTED);
  }

  @Test
  void tsvReadsTheSameRows() {
    String tsv = CSV.replace(",", "\t").replace("\"a comma\t inside quotes\"", "\"a comma, inside quotes\"");
    assertThat(texts("tsv", TinyInputs.write(dir, "data.tsv", utf8(tsv)))).isEqualTo(EXPECTED);
  }

  @Test
  void jsonLinesWithABomAreAcceptedAndGzipIsRead() throws Exception {
    assertThat(texts("jsonl", TinyInputs.write(dir, "bom.jsonl", bom(utf8(jsonl()))))).isEqualTo(EXPECTED);
    assertThat(texts("jsonl", TinyInputs.write(dir, "data.jsonl.gz", gzip(utf8(jsonl()))))).isEqualTo(EXPECTED);
  }

  @Test
  void invalidUtf8IsReportedWithFileLineAndOffsetNotReplaced() {
    byte[] bad = TinyInputs.concat("doc,body,topic\na1,fine,games\na2,caf", new byte[] {(byte) 0xE9}, " au lait,net\n");
    Path file = TinyInputs.write(dir, "latin1.csv", bad);
    // 0xE9 is at byte 36: "doc,body,topic\n" (15) + "a1,fine,games\n" (14) + "a2,caf" (6) = 35 bytes before it.
    assertThatThrownBy(() -> texts("csv", file))
        .hasMessageContaining("latin1.csv (data.format: csv)")
        .hasMessageContaining("invalid UTF-8 on line 3 at byte offset 35 (bytes 0xE9")
        .hasMessageContaining("iconv");
  }

  @Test
  void aTruncatedGzipNamesTheFileAndTheCause() throws Exception {
    byte[] whole = gzip(utf8(jsonl().repeat(50)));
    Path file = TinyInputs.write(dir, "cut.jsonl.gz", Arrays.copyOf(whole, whole.length / 2));
    assertThatThrownBy(() -> texts("jsonl", file))
        .hasMessageContaining("cut.jsonl.gz (data.format: jsonl): the gzip data ends early after")
        .hasMessageContaining("Unexpected end of ZLIB input stream")
        .hasMessageContaining("the file is truncated");
  }

  @Test
  void aLineThatIsNotJsonNamesTheFileAndTheLine() {
    Path file = TinyInputs.write(dir, "broken.jsonl", utf8(jsonLine("a1", "ok", "games") + "\n{\"doc\": \"a2\", body\n"));
    assertThatThrownBy(() -> texts("jsonl", file))
        .hasMessageContaining("broken.jsonl (data.format: jsonl): a line is not a JSON object: \"{\"doc\": \"a2\", body\"");
  }

  @Test
  void aMissingColumnNamesTheSettingAndTheColumnsPresent() {
    Path file = TinyInputs.write(dir, "nolabel.csv", utf8("doc,body\na1,text\n"));
    assertThatThrownBy(() -> texts("csv", file))
        .hasMessageContaining("no column \"topic\" (data.columns.label)")
        .hasMessageContaining("columns present: doc string, body string");
  }

  @Test
  void anEmptyParquetDirectoryNamesThePath() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty-parquet"));
    Files.writeString(empty.resolve("_SUCCESS"), "");
    DistillConfig.DataSettings s = mapped("parquet", empty);
    assertThatThrownBy(() -> new ParquetSource(spark, s.path, s.columns, s.labels, s.onInvalid).read())
        .hasMessageContaining("data.path " + empty + " (data.format: parquet) holds no data files");
  }

  private static byte[] gzip(byte[] b) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }
}
