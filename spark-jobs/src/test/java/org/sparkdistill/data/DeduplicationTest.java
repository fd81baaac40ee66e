package org.sparkdistill.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sparkdistill.data.TinyInputs.LABELS;
import static org.sparkdistill.data.TinyInputs.debianLine;
import static org.sparkdistill.data.TinyInputs.settings;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.SharedSpark;

/** Deduplication keeps the smallest id per normalised text and counts what it dropped. */
class DeduplicationTest {
  @TempDir Path dir;

  private final SparkSession spark = SharedSpark.session();

  private PreparedExamples prepare(String... lines) {
    DistillConfig.DataSettings data = settings("debian-jsonl", TinyInputs.writeLines(dir, "d.jsonl", lines), LABELS);
    data.split.testFraction = 0.01;
    data.split.validationFraction = 0.01;
    return new ExamplePreparer(spark, data).prepare();
  }

  private static Map<String, String> labelsById(PreparedExamples prepared) {
    Map<String, String> out = new HashMap<>();
    for (Row row : prepared.examples().collectAsList()) {
      out.put(row.getString(0), row.getString(2));
    }
    return out;
  }

  @Test
  void keepsTheSmallestIdOfWhitespaceEqualTexts() {
    PreparedExamples prepared =
        prepare(
            debianLine("zeta", "z", "net", "Tool\nDoes  things\nwell."),
            debianLine("alpha", "a", "net", "Tool\nDoes things well.  "),
            debianLine("mid", "m", "net", "Tool\n\tDoes things\n\nwell."),
            debianLine("other", "o", "net", "Tool\nDoes other things."));
    assertThat(labelsById(prepared)).containsOnlyKeys("alpha", "other");
    assertThat(prepared.report().rawRows()).isEqualTo(4);
    assertThat(prepared.report().duplicateTextsDropped()).isEqualTo(2);
    assertThat(prepared.report().duplicateLabelConflicts()).isZero();
    assertThat(prepared.report().keptRows()).isEqualTo(2);
  }

  @Test
  void debianKeyIsTheLongDescription() {
    PreparedExamples prepared =
        prepare(
            debianLine("game", "g", "games", "Space game\nShoot the asteroids."),
            debianLine("game-data", "g", "games", "Space game (data files)\nShoot the asteroids."),
            // no long description: keyed by the whole text, so these two stay apart
            debianLine("x1", "x", "net", "Only a short description"),
            debianLine("x2", "x", "net", "Only another short description"));
    assertThat(labelsById(prepared)).containsOnlyKeys("game", "x1", "x2");
    assertThat(prepared.report().duplicateTextsDropped()).isEqualTo(1);
  }

  @Test
  void conflictingLabelsKeepTheSmallestIdAndAreCounted() {
    PreparedExamples prepared =
        prepare(
            debianLine("b-pkg", "b", "science", "Calc\nComputes numbers."),
            debianLine("a-pkg", "a", "net", "Calc\nComputes numbers."),
            debianLine("c-pkg", "c", "games", "Calc\nComputes numbers."));
    assertThat(prepared.examples().count()).isEqualTo(1);
    Row kept = prepared.examples().first();
    assertThat(kept.getString(0)).isEqualTo("a-pkg");
    assertThat(kept.isNullAt(2) ? "net" : kept.getString(2)).isEqualTo("net");
    assertThat(prepared.report().duplicateTextsDropped()).isEqualTo(2);
    assertThat(prepared.report().duplicateLabelConflicts()).isEqualTo(1);
  }

  @Test
  void caseIsNotNormalised() {
    PreparedExamples prepared =
        prepare(debianLine("a", "a", "net", "T\nSame Words."), debianLine("b", "b", "net", "T\nsame words."));
    assertThat(prepared.report().duplicateTextsDropped()).isZero();
  }
}
