package org.sparkdistill.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sparkdistill.data.TinyInputs.LABELS;
import static org.sparkdistill.data.TinyInputs.debianLine;
import static org.sparkdistill.data.TinyInputs.settings;
import static org.sparkdistill.data.TinyInputs.writeLines;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.testing.SharedSpark;

/** Bad {@code debian-jsonl} input is an error naming the file, line, id and value. */
class DebianJsonlInputErrorsTest {
  private static final String OK1 = debianLine("a", "a-src", "games", "Game\nA game about things.");
  private static final String OK2 = debianLine("b", "b-src", "net", "Net tool\nTalks to hosts.");

  @TempDir Path dir;

  private final SparkSession spark = SharedSpark.session();

  private ExamplePreparer preparer(Path file) {
    return new ExamplePreparer(spark, settings("debian-jsonl", file, LABELS));
  }

  @Test
  void missingFile() {
    Path missing = dir.resolve("nope.jsonl.gz");
    assertThatThrownBy(() -> preparer(missing).prepare())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope.jsonl.gz")
        .hasMessageContaining("does not exist")
        .hasMessageContaining("JSON-lines");
  }

  @Test
  void missingKeyListsTheKeysPresent() {
    Path file = writeLines(dir, "k.jsonl", OK1, "{\"id\": \"c\", \"source\": \"c\", \"sectoin\": \"net\", \"text\": \"x\"}");
    assertThatThrownBy(() -> preparer(file).prepare())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("line 2")
        .hasMessageContaining("id \"c\"")
        .hasMessageContaining("key \"section\" is missing")
        .hasMessageContaining("keys present: id, source, sectoin, text");
  }

  @Test
  void wrongTypeShowsTheValue() {
    Path file = writeLines(dir, "t.jsonl", OK1, "{\"id\": \"c\", \"source\": \"c\", \"section\": \"net\", \"text\": 12}");
    assertThatThrownBy(() -> preparer(file).prepare())
        .hasMessageContaining("line 2")
        .hasMessageContaining("key \"text\" must be a JSON string, found number 12");
  }

  @Test
  void nullText() {
    Path file = writeLines(dir, "n.jsonl", OK1, debianLine("c", "c", "net", null));
    assertThatThrownBy(() -> preparer(file).prepare())
        .hasMessageContaining(file.toString())
        .hasMessageContaining("line 2 (id \"c\")")
        .hasMessageContaining("key \"text\" is null");
  }

  @Test
  void blankText() {
    Path file = writeLines(dir, "b.jsonl", OK1, OK2, debianLine("c", "c", "net", " \n\t "));
    assertThatThrownBy(() -> preparer(file).prepare())
        .hasMessageContaining(file.toString())
        .hasMessageContaining("line 3 (id \"c\")")
        .hasMessageContaining("text is blank (\" \\n\\t \")");
  }

  @Test
  void emptyText() {
    Path file = writeLines(dir, "e.jsonl", debianLine("c", "c", "net", ""), OK1);
    assertThatThrownBy(() -> preparer(file).prepare()).hasMessageContaining("line 1 (id \"c\"): text is blank");
  }

  @Test
  void duplicateIdsNameTheIdCountAndLines() {
    Path file =
        writeLines(
            dir,
            "d.jsonl",
            OK1,
            debianLine("x", "x", "net", "one\nfirst"),
            debianLine("x", "x", "net", "two\nsecond"),
            OK2,
            debianLine("x", "x", "net", "three\nthird"));
    assertThatThrownBy(() -> preparer(file).prepare())
        .hasMessageContaining(file.toString())
        .hasMessageContaining("id \"x\" appears 3 times (line 2, line 3, line 5)")
        .hasMessageContaining("ids must be unique");
  }

  @Test
  void labelOutsideTheSet() {
    Path file = writeLines(dir, "l.jsonl", OK1, debianLine("c", "c", "kernel", "Kernel\nA kernel."));
    assertThatThrownBy(() -> preparer(file).prepare())
        .hasMessageContaining("line 2 (id \"c\")")
        .hasMessageContaining("label \"kernel\" is not in data.labels [games, net, science]");
  }

  @Test
  void invalidUtf8NamesTheLineAndBytes() {
    byte[] bad = TinyInputs.concat(
        OK1 + "\n" + OK2 + "\n{\"id\": \"c\", \"source\": \"c\", \"section\": \"net\", \"text\": \"caf",
        new byte[] {(byte) 0xC3, (byte) 0x28},
        "\"}\n");
    Path file = TinyInputs.write(dir, "u.jsonl", bad);
    assertThatThrownBy(() -> preparer(file).prepare())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("line 3")
        .hasMessageContaining("not valid UTF-8")
        .hasMessageContaining("0xC3");
  }

  @Test
  void invalidUtf8InsideGzipNamesTheLine() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(TinyInputs.concat(OK1 + "\n" + debianLine("c", "c", "net", "x\ny"), new byte[] {(byte) 0xFF}, "\n"));
    }
    Path file = TinyInputs.write(dir, "u.jsonl.gz", gz.toByteArray());
    assertThatThrownBy(() -> preparer(file).prepare())
        .hasMessageContaining("u.jsonl.gz, line 2")
        .hasMessageContaining("bytes 0xFF");
  }

  @Test
  void notJsonNamesTheLine() {
    Path file = writeLines(dir, "j.jsonl", OK1, "{\"id\": \"c\", ");
    assertThatThrownBy(() -> preparer(file).prepare()).hasMessageContaining("line 2").hasMessageContaining("not valid JSON");
  }

  @Test
  void emptyLineIsAnError() {
    Path file = writeLines(dir, "el.jsonl", OK1, "", OK2);
    assertThatThrownBy(() -> preparer(file).prepare()).hasMessageContaining("line 2: line is empty");
  }

  @Test
  void validFileReadsEveryRow() {
    Path file = writeLines(dir, "ok.jsonl", OK1, OK2);
    PrepareReport report = preparer(file).prepare().report();
    assertThat(report.rawRows()).isEqualTo(2);
    assertThat(report.keptRows()).isEqualTo(2);
  }

  @Test
  void emptyLabelSetIsAnError() {
    Path file = writeLines(dir, "ok.jsonl", OK1);
    assertThatThrownBy(() -> new ExamplePreparer(spark, settings("debian-jsonl", file, java.util.List.of())).prepare())
        .hasMessageContaining("data.labels");
  }

  @Test
  void aByteOrderMarkIsAccepted() {
    byte[] lines = (OK1 + "\n" + OK2 + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Path file = TinyInputs.write(dir, "bom.jsonl", TinyInputs.concat("\uFEFF", lines, ""));
    assertThat(preparer(file).prepare().report().rawRows()).isEqualTo(2);
  }

  @Test
  void aTruncatedGzipSaysSoWithItsCause() throws IOException {
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      many.append(debianLine("id-" + i, "src-" + i, "games", "Game " + i + "\nA game about things number " + i + ".")).append('\n');
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(many.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    byte[] whole = out.toByteArray();
    Path file = TinyInputs.write(dir, "cut.jsonl.gz", java.util.Arrays.copyOf(whole, whole.length / 2));
    assertThatThrownBy(() -> preparer(file).prepare())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cut.jsonl.gz: the gzip data ends early after")
        .hasMessageContaining("Unexpected end of ZLIB input stream")
        .hasMessageContaining("the file is truncated");
  }
}
