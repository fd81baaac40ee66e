package org.sparkdistill.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.Locale;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.NearDuplicatePolicy;
import org.sparkdistill.udfs.schema.Split;

/**
 * How many test texts have a near duplicate on the training side (the pool: train + transfer) in
 * another configured group, with the configured groups alone and with {@link NearDuplicateGroups}
 * merging, and how many rows the merging moves between test, validation and the pool. Two
 * measures of "near duplicate":
 *
 * <ul>
 *   <li><b>first paragraph</b>: the same normalised first paragraph, longer than {@code
 *       data.split.nearDuplicateMinChars} (the key the grouping uses, so it is 0 after merging by
 *       construction; reported to show what the grouping removed);
 *   <li><b>shingles</b>, independent of that key: Jaccard similarity of the sets of word 5-grams
 *       (shingles) of the normalised text (Debian: the long description) at least {@link
 *       #JACCARD}. Shingles found in more than {@link #MAX_SHINGLE_ROWS} rows are boilerplate and
 *       skipped as join keys (they still count in the set sizes, so such pairs score lower).
 * </ul>
 *
 * Cost: a few jobs over the rows; the shingle join emits one row per shared shingle of a
 * (test, pool) pair, bounded by {@link #MAX_SHINGLE_ROWS} per shingle.
 */
public final class NearDuplicateLeakage {
  /** Jaccard threshold of the shingle measure. */
  public static final double JACCARD = 0.5;
  /** Word n-gram length of a shingle. */
  public static final int SHINGLE_WORDS = 5;
  /** Shingles in more rows than this are not join keys. */
  public static final int MAX_SHINGLE_ROWS = 50;

  private static final String ORIGINAL = "_original_group";
  private static final String FIRST = "_first_split";
  private static final String KEY = "_fp_key";
  private static final String SHINGLES = "_shingles";

  private NearDuplicateLeakage() {}

  /**
   * @param testRows rows in the test split (with the configured grouping)
   * @param before cross-split near duplicates with the configured groups alone
   * @param after the same with near-duplicate grouping
   * @param groupsMerged groups merged into another
   * @param rowsMoved rows whose split (test / validation / pool) differs between the two
   */
  public record Report(long rows, long testRowsBefore, long testRowsAfter, Counts before, Counts after, long groupsMerged, long rowsMoved) {
    /** Readable lines for the CLI. */
    public String text(DistillConfig.SplitSettings split) {
      return String.format(
          Locale.ROOT,
          "rows %d; test rows %d (configured groups) -> %d (near-duplicate groups)%n"
              + "test texts with a same first paragraph (> %d chars, normalised) in a pool text of another group: %d -> %d%n"
              + "test texts with word-%d-shingle Jaccard >= %.2f to a pool text of another group: %d -> %d%n"
              + "validation texts with a same first paragraph in a pool text of another group: %d -> %d%n"
              + "groups merged: %d; rows moved between test, validation and the pool: %d%n",
          rows, testRowsBefore, testRowsAfter,
          split.nearDuplicateMinChars, before.testFirstParagraph(), after.testFirstParagraph(),
          SHINGLE_WORDS, JACCARD, before.testShingles(), after.testShingles(),
          before.validationFirstParagraph(), after.validationFirstParagraph(),
          groupsMerged, rowsMoved);
    }
  }

  /**
   * @param testFirstParagraph test rows sharing the first-paragraph key with a pool row of another
   *     configured group
   * @param testShingles test rows with shingle Jaccard >= {@link #JACCARD} to a pool row of another
   *     configured group
   * @param validationFirstParagraph as {@code testFirstParagraph}, for the validation rows
   */
  public record Counts(long testFirstParagraph, long testShingles, long validationFirstParagraph) {}

  /** Measures rows of {@link RawColumns#schema()} (after deduplication and sampling). */
  static Report measure(Dataset<Row> rows, org.sparkdistill.config.DataFormat format, DistillConfig.SplitSettings split) {
    DistillConfig.SplitSettings merged = copyWith(split, NearDuplicatePolicy.FIRST_PARAGRAPH);
    DistillConfig.SplitSettings plain = copyWith(split, NearDuplicatePolicy.NONE);
    Dataset<Row> base =
        rows.withColumn(ORIGINAL, col(RawColumns.GROUP))
            .withColumn(KEY, NearDuplicateGroups.key(format, split.nearDuplicateMinChars))
            .withColumn(SHINGLES, shingles(format))
            .cache();
    try {
      NearDuplicateGroups.Grouped grouped = NearDuplicateGroups.apply(base, format, merged);
      Dataset<Row> before = NearDuplicateGroups.apply(base, format, plain).rows().withColumn(FIRST, SplitAssigner.firstSplit(split)).cache();
      Dataset<Row> after = grouped.rows().withColumn(FIRST, SplitAssigner.firstSplit(split)).cache();
      long moved =
          before.select(col(RawColumns.ID), col(FIRST).as("_b"))
              .join(after.select(col(RawColumns.ID), col(FIRST).as("_a")), RawColumns.ID)
              .filter(col("_a").notEqual(col("_b")))
              .count();
      long total = base.count();
      return new Report(
          total,
          before.filter(col(FIRST).equalTo(Split.TEST.value())).count(),
          after.filter(col(FIRST).equalTo(Split.TEST.value())).count(),
          counts(before),
          counts(after),
          grouped.groupsMerged(),
          moved);
    } finally {
      base.unpersist();
    }
  }

  private static Counts counts(Dataset<Row> rows) {
    Dataset<Row> pool = rows.filter(col(FIRST).equalTo(SplitAssigner.pool()));
    return new Counts(
        firstParagraph(rows.filter(col(FIRST).equalTo(Split.TEST.value())), pool),
        shingleMatches(rows.filter(col(FIRST).equalTo(Split.TEST.value())), pool),
        firstParagraph(rows.filter(col(FIRST).equalTo(Split.VALIDATION.value())), pool));
  }

  private static long firstParagraph(Dataset<Row> held, Dataset<Row> pool) {
    Dataset<Row> p = pool.filter(col(KEY).isNotNull()).select(col(KEY).as("_pk"), col(ORIGINAL).as("_pg"));
    return held.filter(col(KEY).isNotNull())
        .join(p, col(KEY).equalTo(col("_pk")).and(col(ORIGINAL).notEqual(col("_pg"))))
        .select(col(RawColumns.ID))
        .distinct()
        .count();
  }

  private static long shingleMatches(Dataset<Row> held, Dataset<Row> pool) {
    Dataset<Row> all = held.union(pool);
    Dataset<Row> common =
        all.select(explode(col(SHINGLES)).as("_s"))
            .groupBy("_s")
            .agg(count(lit(1)).as("_n"))
            .filter(col("_n").leq(lit(MAX_SHINGLE_ROWS)))
            .select("_s");
    Dataset<Row> h =
        held.select(col(RawColumns.ID).as("_hid"), col(ORIGINAL).as("_hg"), size(col(SHINGLES)).as("_hn"), explode(col(SHINGLES)).as("_s"))
            .join(common, "_s");
    Dataset<Row> p =
        pool.select(col(RawColumns.ID).as("_pid"), col(ORIGINAL).as("_pg"), size(col(SHINGLES)).as("_pn"), explode(col(SHINGLES)).as("_s"))
            .join(common, "_s");
    Column jaccard = col("_shared").divide(col("_hn").plus(col("_pn")).minus(col("_shared")));
    return h.join(p, "_s")
        .filter(col("_hg").notEqual(col("_pg")))
        .groupBy("_hid", "_pid", "_hn", "_pn")
        .agg(count(lit(1)).as("_shared"))
        .filter(jaccard.geq(lit(JACCARD)))
        .agg(countDistinct(col("_hid")))
        .first()
        .getLong(0);
  }

  /** Distinct hashes of the word {@link #SHINGLE_WORDS}-grams of the normalised text. */
  private static Column shingles(org.sparkdistill.config.DataFormat format) {
    Column text = col(RawColumns.TEXT);
    if (format == org.sparkdistill.config.DataFormat.DEBIAN_JSONL) {
      text = regexp_replace(text, "^[^\\n]*\\n", "");
    }
    Column normalised = trim(regexp_replace(lower(text), "[^\\p{L}\\p{N}]+", " "));
    UserDefinedFunction shingle =
        udf(
            (UDF1<String, java.util.List<Long>>) t -> java.util.Arrays.stream(shingleHashes(t)).boxed().toList(),
            DataTypes.createArrayType(DataTypes.LongType));
    return when(normalised.equalTo(lit("")), lit(null)).otherwise(shingle.apply(normalised));
  }

  /** Distinct 64-bit hashes of the word n-grams of a space-separated text (fewer words: the whole). */
  static long[] shingleHashes(String normalised) {
    String[] words = normalised.split(" ");
    Set<Long> out = new LinkedHashSet<>();
    int n = Math.min(SHINGLE_WORDS, words.length);
    for (int i = 0; i + n <= words.length; i++) {
      long h = 1125899906842597L;
      for (int j = i; j < i + n; j++) {
        for (int k = 0; k < words[j].length(); k++) {
          h = 31 * h + words[j].charAt(k);
        }
        h = 31 * h + ' ';
      }
      out.add(h ^ (h >>> 29) * 0xbf58476d1ce4e5b9L);
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  private static DistillConfig.SplitSettings copyWith(DistillConfig.SplitSettings split, NearDuplicatePolicy nearDuplicates) {
    DistillConfig.SplitSettings c = new DistillConfig.SplitSettings();
    c.seed = split.seed;
    c.labelSeed = split.labelSeed;
    c.testFraction = split.testFraction;
    c.validationFraction = split.validationFraction;
    c.labelledPerClass = split.labelledPerClass;
    c.transferFraction = split.transferFraction;
    c.validationPerClass = split.validationPerClass;
    c.nearDuplicateMinChars = split.nearDuplicateMinChars;
    c.nearDuplicates = nearDuplicates;
    return c;
  }
}
