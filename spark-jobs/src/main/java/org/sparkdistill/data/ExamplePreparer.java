package org.sparkdistill.data;

import static org.apache.spark.sql.functions.col;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.DataFormat;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;

/**
 * The data-preparation logic of the {@code prepare} stage: read the raw source named by {@code
 * data.format} and {@code data.path}, validate it, deduplicate by text, sample down to {@code
 * data.maxRows}, and assign the train / validation / transfer / test splits.
 *
 * <p>Steps and their knobs:
 *
 * <ol>
 *   <li>Read and validate ({@link DebianJsonlSource debian-jsonl}, {@link ImdbJsonSource
 *       imdb-json}: parsed on the driver, for files up to a few hundred MB; {@link ParquetSource
 *       parquet}: read with Spark, two validation jobs). Any bad row is an {@link
 *       IllegalArgumentException} naming the file, line or row id, column and value; nothing is
 *       fixed silently. Labels must come from {@code data.labels}. With {@code data.onInvalid:
 *       skip} the bad rows are set aside instead ({@link InvalidRows}), up to {@code
 *       data.maxInvalidFraction} of the source.
 *   <li>Deduplicate on {@link DedupKey} (whitespace-normalised text; Debian: the long
 *       description), keeping the smallest id ({@link Deduplication}); one job counts the result.
 *   <li>{@code data.maxRows > 0}: a seeded sample stratified by label ({@link StratifiedSample}).
 *   <li>Near-duplicate grouping ({@link NearDuplicateGroups}, {@code data.split.nearDuplicates}):
 *       groups whose rows share a long normalised first paragraph are merged.
 *   <li>Splits by seeded hashes of group and id, see {@link SplitAssigner} ({@code data.split.*}).
 *       Transfer labels are set to null here, and validation labels beyond {@code
 *       data.split.validationPerClass} per class.
 * </ol>
 *
 * <p>Cost of {@link #prepare()}: the validation work above, the deduplication count, and one
 * aggregation over the final rows for the report. The returned Dataset is lazy and deterministic:
 * writing it recomputes the pipeline from the source and gives the same rows.
 */
public final class ExamplePreparer {
  private final SparkSession spark;
  private final DistillConfig.DataSettings settings;

  public ExamplePreparer(SparkSession spark, DistillConfig.DataSettings settings) {
    this.spark = spark;
    this.settings = settings;
  }

  /**
   * Reads the raw source, validates, deduplicates, samples, splits.
   *
   * @return rows of {@link CacheSchemas#examples()} (transfer labels already null) and a report
   * @throws IllegalArgumentException for bad settings or bad input, naming the file, row and value
   */
  public PreparedExamples prepare() {
    Sampled sampled = sample();
    NearDuplicateGroups.Grouped grouped = NearDuplicateGroups.apply(sampled.rows(), settings.format, settings.split);
    Dataset<Row> examples =
        SchemaConform.to(SplitAssigner.assign(grouped.rows(), settings.split), CacheSchemas.examples());
    RawData raw = sampled.raw();
    return new PreparedExamples(examples, report(raw.count(), sampled.stats(), grouped.groupsMerged(), examples), raw.rejected(), raw.rejectedCount());
  }

  /** The validated raw data, deduplicated and sampled ({@code maxRows}, stratified by label). */
  private record Sampled(RawData raw, Deduplication.Stats stats, Dataset<Row> rows) {}

  private Sampled sample() {
    checkSettings();
    RawData raw = InvalidRows.require(source().read(), settings);
    Dataset<Row> deduplicated = Deduplication.apply(raw.rows(), DedupKey.of(settings.format));
    Deduplication.Stats stats = Deduplication.Stats.of(deduplicated);
    Dataset<Row> sampled =
        StratifiedSample.apply(
            deduplicated.select(
                col(RawColumns.ID), col(RawColumns.LABEL), col(RawColumns.GROUP), col(RawColumns.TEXT)),
            stats.keptByLabel(),
            settings.maxRows,
            settings.split.seed);
    return new Sampled(raw, stats, sampled);
  }

  /**
   * The cross-split near-duplicate measurement of {@link NearDuplicateLeakage} on this
   * configuration's deduplicated (and sampled) rows, with the configured groups and with
   * near-duplicate grouping ({@code first-paragraph}). Several jobs; the data is small by then.
   */
  public NearDuplicateLeakage.Report leakage() {
    return NearDuplicateLeakage.measure(sample().rows(), settings.format, settings.split);
  }

  private RawSource source() {
    if (settings.labelGroups != null && !settings.labelGroups.isEmpty()) {
      return LabelGroups.grouping(settings, this::source);
    }
    return source(settings);
  }

  private RawSource source(DistillConfig.DataSettings settings) {
    return switch (settings.format) {
      case DEBIAN_JSONL -> new DebianJsonlSource(spark, settings.path, settings.labels, settings.onInvalid);
      case IMDB_JSON -> new ImdbJsonSource(spark, settings.path, settings.labels, settings.onInvalid);
      case PARQUET -> new ParquetSource(spark, settings.path, settings.columns, settings.labels, settings.onInvalid);
      case CSV, TSV, JSONL -> new TextTableSource(spark, settings.format.toString(), settings);
    };
  }

  private void checkSettings() {
    List<String> labels = settings.labels;
    if (labels == null || labels.isEmpty()) {
      throw new IllegalArgumentException("data.labels must list the label set in class order; it is empty");
    }
    Set<String> seen = new HashSet<>();
    for (String label : labels) {
      if (label == null || label.isBlank() || !seen.add(label)) {
        throw new IllegalArgumentException("data.labels must be distinct non-blank labels, got: " + labels);
      }
    }
    if (settings.maxRows < 0) {
      throw new IllegalArgumentException("data.maxRows must be >= 0, got: " + settings.maxRows);
    }
    DistillConfig.SplitSettings split = settings.split;
    if (!(split.testFraction >= 0 && split.validationFraction >= 0 && split.testFraction + split.validationFraction < 1)) {
      throw new IllegalArgumentException(
          "data.split.testFraction and validationFraction must be >= 0 and sum to < 1, got: "
              + split.testFraction + " and " + split.validationFraction);
    }
    if (split.labelledPerClass < 0 || !(split.transferFraction >= 0 && split.transferFraction < 1)) {
      throw new IllegalArgumentException(
          "data.split.labelledPerClass must be >= 0 and transferFraction in [0, 1), got: "
              + split.labelledPerClass + " and " + split.transferFraction);
    }
  }

  /** One job over the final rows: counts per (split, label). */
  private PrepareReport report(long rawRows, Deduplication.Stats stats, long groupsMerged, Dataset<Row> examples) {
    Map<String, Long> bySplit = new LinkedHashMap<>();
    for (Split split : Split.values()) {
      bySplit.put(split.value(), 0L);
    }
    Map<String, Long> trainByLabel = new LinkedHashMap<>();
    for (String label : settings.labels) {
      trainByLabel.put(label, 0L);
    }
    long kept = 0;
    long labelledValidation = 0;
    for (Row row : examples.groupBy(Columns.SPLIT, Columns.LABEL).count().collectAsList()) {
      long n = row.getLong(2);
      kept += n;
      if (row.getString(0).equals(Split.VALIDATION.value()) && !row.isNullAt(1)) {
        labelledValidation += n;
      }
      bySplit.merge(row.getString(0), n, Long::sum);
      if (row.getString(0).equals(Split.TRAIN.value())) {
        trainByLabel.merge(row.getString(1), n, Long::sum);
      }
    }
    return new PrepareReport(rawRows, stats.dropped(), stats.conflicts(), kept, bySplit, trainByLabel, labelledValidation, groupsMerged);
  }
}
