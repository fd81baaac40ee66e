package org.sparkdistill.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.SharedSpark;

/**
 * Near-duplicate grouping ({@code data.split.nearDuplicates}), its leakage measurement, and the
 * validation label budget ({@code data.split.validationPerClass}), on hand-built Debian rows.
 */
class NearDuplicateAndValidationTest {
  @TempDir Path dir;

  private final SparkSession spark = SharedSpark.session();

  private static final int PAIRS = 40;

  /**
   * PAIRS programs "prog-i" (source prog-i) and their data packages "prog-i-data" (another source
   * package) repeating the program's first paragraph (> 80 chars) with other case, punctuation and
   * line breaks, plus a different second paragraph; and PAIRS singletons "solo-i" sharing only a
   * short first paragraph (< 80 chars) with each other.
   */
  private DistillConfig.DataSettings settings() {
    List<String> lines = new ArrayList<>();
    String[] labels = {"games", "net", "science"};
    for (int i = 0; i < PAIRS; i++) {
      String label = labels[i % 3];
      String paragraph = "Tool " + i + " is a free, cross-platform program that does thing number " + i + " quickly and well, for everyone.";
      String variant = paragraph.toUpperCase(java.util.Locale.ROOT).replace(", ", " -- ").replace(" program ", "\nprogram ");
      lines.add(TinyInputs.debianLine("prog-" + i, "prog-" + i, label, "tool " + i + "\n" + paragraph));
      lines.add(TinyInputs.debianLine("prog-" + i + "-data", "prog-" + i + "-data", label,
          "tool " + i + " (data files)\n" + variant + "\n\nThis package contains the data files of tool " + i + "."));
      lines.add(TinyInputs.debianLine("solo-" + i, "solo-" + i, label,
          "solo " + i + "\nThis package contains the documentation.\n\nIt documents solo thing " + i + " in great detail."));
    }
    DistillConfig.DataSettings data =
        TinyInputs.settings("debian-jsonl", TinyInputs.writeLines(dir, "nd.jsonl", lines.toArray(new String[0])), TinyInputs.LABELS);
    data.split.labelledPerClass = 2;
    return data;
  }

  @Test
  void componentsJoinGroupsSharingKeysTransitivelyUnderTheSmallestName() {
    List<Row> pairs = new ArrayList<>();
    for (String[] p : new String[][] {{"b", "k1"}, {"a", "k1"}, {"c", "k2"}, {"b", "k2"}, {"d", "k3"}, {"e", "k1"}, {"f", "k4"}, {"g", "k4"}}) {
      pairs.add(RowFactory.create(p[0], p[1]));
    }
    assertThat(NearDuplicateGroups.components(pairs))
        .containsOnly(Map.entry("b", "a"), Map.entry("c", "a"), Map.entry("e", "a"), Map.entry("g", "f"));
  }

  @Test
  void nearDuplicatesShareASplitOnlyWhenGrouped() {
    DistillConfig.DataSettings data = settings();
    data.split.nearDuplicates = org.sparkdistill.config.NearDuplicatePolicy.NONE;
    Map<String, String> plain = firstSplits(new ExamplePreparer(spark, data).prepare());
    long straddling = straddlingPairs(plain);
    assertThat(straddling).isGreaterThan(0); // 40 independent pairs: P(none straddles) < 1e-10

    data.split.nearDuplicates = org.sparkdistill.config.NearDuplicatePolicy.FIRST_PARAGRAPH;
    PreparedExamples grouped = new ExamplePreparer(spark, data).prepare();
    Map<String, String> merged = firstSplits(grouped);
    assertThat(straddlingPairs(merged)).isZero();
    // only the pairs merge: the short shared "documentation" paragraph links nothing
    assertThat(grouped.report().nearDuplicateGroupsMerged()).isEqualTo(PAIRS);
    for (int i = 0; i < PAIRS; i++) {
      assertThat(merged.get("prog-" + i)).isEqualTo(plain.get("prog-" + i)); // the smaller name keeps its split
      assertThat(merged.get("solo-" + i)).isEqualTo(plain.get("solo-" + i));
    }

    // the leakage report, against counts computed here from the two splits
    NearDuplicateLeakage.Report report = new ExamplePreparer(spark, data).leakage();
    long testLeaks = 0;
    long validationLeaks = 0;
    long moved = 0;
    for (String id : plain.keySet()) {
      moved += plain.get(id).equals(merged.get(id)) ? 0 : 1;
    }
    for (int i = 0; i < PAIRS; i++) {
      String a = plain.get("prog-" + i);
      String b = plain.get("prog-" + i + "-data");
      testLeaks += (a.equals("test") && b.equals("pool") ? 1 : 0) + (b.equals("test") && a.equals("pool") ? 1 : 0);
      validationLeaks += (a.equals("validation") && b.equals("pool") ? 1 : 0) + (b.equals("validation") && a.equals("pool") ? 1 : 0);
    }
    assertThat(report.rows()).isEqualTo(3L * PAIRS);
    assertThat(report.before().testFirstParagraph()).isEqualTo(testLeaks);
    assertThat(report.before().validationFirstParagraph()).isEqualTo(validationLeaks);
    assertThat(report.after().testFirstParagraph()).isZero();
    assertThat(report.after().validationFirstParagraph()).isZero();
    assertThat(report.rowsMoved()).isEqualTo(moved).isGreaterThan(0);
    assertThat(report.groupsMerged()).isEqualTo(PAIRS);
    // solo texts share 5 of their 9 shingles with each other (Jaccard 5/13 < 0.5): no false match
    assertThat(report.after().testShingles()).isZero();
  }

  @Test
  void validationKeepsAtMostTheBudgetOfLabelsPerClass() {
    DistillConfig.DataSettings data = settings();
    data.split.nearDuplicates = org.sparkdistill.config.NearDuplicatePolicy.NONE;
    data.split.validationFraction = 0.4;
    data.split.testFraction = 0.1;
    data.split.validationPerClass = 0; // every label
    Map<String, Long> all = validationByLabel(new ExamplePreparer(spark, data).prepare());
    long validationRows = all.values().stream().mapToLong(Long::longValue).sum();
    assertThat(all).doesNotContainKey(null);

    data.split.validationPerClass = null; // follow labelledPerClass = 2
    PreparedExamples capped = new ExamplePreparer(spark, data).prepare();
    Map<String, Long> byLabel = validationByLabel(capped);
    for (String label : TinyInputs.LABELS) {
      assertThat(byLabel.get(label)).isEqualTo(Math.min(2, all.getOrDefault(label, 0L)));
    }
    long labelled = byLabel.entrySet().stream().filter(e -> e.getKey() != null).mapToLong(Map.Entry::getValue).sum();
    assertThat(byLabel.get(null)).isEqualTo(validationRows - labelled); // the rest stays, unlabelled
    assertThat(capped.report().labelledValidationRows()).isEqualTo(labelled);
    assertThat(capped.report().rowsBySplit().get("validation")).isEqualTo(validationRows);

    data.split.validationPerClass = 3;
    Map<String, Long> three = validationByLabel(new ExamplePreparer(spark, data).prepare());
    for (String label : TinyInputs.LABELS) {
      assertThat(three.get(label)).isEqualTo(Math.min(3, all.getOrDefault(label, 0L)));
    }
  }

  private static Map<String, Long> validationByLabel(PreparedExamples prepared) {
    Map<String, Long> out = new HashMap<>();
    for (Row row : prepared.examples().filter("split = 'validation'").groupBy("label").count().collectAsList()) {
      out.put(row.isNullAt(0) ? null : row.getString(0), row.getLong(1));
    }
    return out;
  }

  /** id -> test, validation or pool (train and transfer). */
  private static Map<String, String> firstSplits(PreparedExamples prepared) {
    Map<String, String> out = new HashMap<>();
    for (Row row : prepared.examples().select("id", "split").collectAsList()) {
      String split = row.getString(1);
      out.put(row.getString(0), split.equals("train") || split.equals("transfer") ? "pool" : split);
    }
    return out;
  }

  private static long straddlingPairs(Map<String, String> splits) {
    long n = 0;
    for (int i = 0; i < PAIRS; i++) {
      n += splits.get("prog-" + i).equals(splits.get("prog-" + i + "-data")) ? 0 : 1;
    }
    return n;
  }
}
