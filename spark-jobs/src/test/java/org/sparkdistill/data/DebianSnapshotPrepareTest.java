package org.sparkdistill.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkdistill.config.DataFormat;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Split;

/** The committed Debian snapshot through the whole preparation. */
class DebianSnapshotPrepareTest {
  private static final Path SNAPSHOT = locate("data/debian/debian-sections-20.jsonl.gz");

  private static SparkSession spark;
  /** id -> source package, read independently of the preparer. */
  private static Map<String, String> sourceOf;

  @BeforeAll
  static void readSources() {
    spark = SharedSpark.session();
    sourceOf = new HashMap<>();
    for (Row row : spark.read().json(SNAPSHOT.toString()).select("id", "source").collectAsList()) {
      sourceOf.put(row.getString(0), row.getString(1));
    }
  }

  static Path locate(String relative) {
    Path here = Path.of("").toAbsolutePath();
    for (Path dir = here; dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve(relative))) {
        return dir.resolve(relative);
      }
    }
    throw new IllegalStateException(relative + " not found above " + here);
  }

  static DistillConfig.DataSettings settings(int maxRows, long seed) {
    DistillConfig.DataSettings data = new DistillConfig.DataSettings();
    data.format = DataFormat.DEBIAN_JSONL;
    data.path = SNAPSHOT.toString();
    data.labels = DebianSections.TOPICAL_20;
    data.maxRows = maxRows;
    data.split.seed = seed;
    return data;
  }

  @Test
  void fullSnapshotWithDefaultSplit() {
    PreparedExamples prepared = new ExamplePreparer(spark, settings(0, 42)).prepare();
    PrepareReport report = prepared.report();
    // data/debian/NOTICE.md: 12,361 rows; first package per distinct long description: 12,269.
    assertThat(report.rawRows()).isEqualTo(12_361);
    assertThat(report.keptRows()).isEqualTo(12_269);
    assertThat(report.duplicateTextsDropped()).isEqualTo(92);
    assertThat(report.labelledRowsByLabel()).hasSize(20).allSatisfy((label, n) -> assertThat(n).isEqualTo(50));
    assertThat(report.rowsBySplit())
        .containsExactly(
            Map.entry("train", 1000L), Map.entry("validation", 1276L), Map.entry("transfer", 7640L), Map.entry("test", 2353L));
    // 368 source packages joined another through a shared first paragraph (the leakage command
    // prints 126 -> 0 test texts with such a twin in the pool); at most 50 validation labels a class
    assertThat(report.nearDuplicateGroupsMerged()).isEqualTo(368);
    // 695 = sum over classes of min(50, the class's validation texts): small classes have fewer
    List<Long> perClass = prepared.examples().filter("split = 'validation' AND label IS NOT NULL").groupBy("label").count()
        .collectAsList().stream().map(r -> r.getLong(1)).toList();
    assertThat(perClass).hasSize(20).allSatisfy(n -> assertThat(n).isBetween(1L, 50L)).contains(50L);
    assertThat(report.labelledValidationRows()).isEqualTo(perClass.stream().mapToLong(Long::longValue).sum()).isEqualTo(695L);
  }

  @Test
  void sampleHasGroupDisjointSplitsCappedTrainAndNoTransferLabels() {
    PreparedExamples prepared = new ExamplePreparer(spark, settings(2000, 42)).prepare();
    Dataset<Row> examples = prepared.examples();
    assertThat(examples.schema()).isEqualTo(CacheSchemas.examples());
    List<Row> rows = examples.collectAsList();
    assertThat(rows).hasSize(2000);
    assertThat(prepared.report().keptRows()).isEqualTo(2000);

    Map<String, Set<String>> splitsOfGroup = new HashMap<>();
    Map<String, Long> trainPerLabel = new HashMap<>();
    Map<String, Long> bySplit = new HashMap<>();
    for (Row row : rows) {
      String split = row.getString(1);
      bySplit.merge(split, 1L, Long::sum);
      // test, validation and the pool (train + transfer) never share a source package
      String side = split.equals("train") || split.equals("transfer") ? "pool" : split;
      splitsOfGroup.computeIfAbsent(sourceOf.get(row.getString(0)), k -> new HashSet<>()).add(side);
      if (split.equals(Split.TRANSFER.value())) {
        assertThat(row.isNullAt(2)).as("label of transfer row %s", row.getString(0)).isTrue();
      } else {
        assertThat(row.getString(2)).isIn(DebianSections.TOPICAL_20);
      }
      if (split.equals(Split.TRAIN.value())) {
        trainPerLabel.merge(row.getString(2), 1L, Long::sum);
      }
    }
    assertThat(splitsOfGroup.values()).allSatisfy(sides -> assertThat(sides).hasSize(1));
    assertThat(bySplit).containsOnlyKeys("train", "validation", "transfer", "test");
    assertThat(bySplit).isEqualTo(new HashMap<>(prepared.report().rowsBySplit()));
    // 2,000 of 12,269 rows: small classes have fewer than 50 pool rows, so they are capped
    assertThat(trainPerLabel.values()).allSatisfy(n -> assertThat(n).isBetween(1L, 50L));
    assertThat(trainPerLabel.get("net")).isEqualTo(50);
    assertThat(trainPerLabel.get("vcs")).isLessThan(50);
    assertThat(prepared.report().labelledRowsByLabel()).containsAllEntriesOf(trainPerLabel);
  }

  @Test
  void sameSeedSameSplitWhateverTheShufflePartitions_otherSeedOtherSplit() {
    List<String> first = rows(new ExamplePreparer(spark, settings(2000, 42)).prepare().examples());
    String before = spark.conf().get("spark.sql.shuffle.partitions");
    List<String> second;
    try {
      spark.conf().set("spark.sql.shuffle.partitions", "11");
      second = rows(new ExamplePreparer(spark, settings(2000, 42)).prepare().examples());
    } finally {
      spark.conf().set("spark.sql.shuffle.partitions", before);
    }
    assertThat(second).isEqualTo(first);
    List<String> otherSeed = rows(new ExamplePreparer(spark, settings(2000, 7)).prepare().examples());
    assertThat(otherSeed).isNotEqualTo(first);
  }

  private static List<String> rows(Dataset<Row> examples) {
    return ParquetSourceTest.sorted(examples);
  }
}
