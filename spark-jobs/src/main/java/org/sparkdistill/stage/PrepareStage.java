package org.sparkdistill.stage;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SaveMode;
import org.sparkdistill.config.DataFormat;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.data.ExamplePreparer;
import org.sparkdistill.data.PreparedExamples;
import org.sparkdistill.data.SplitRequirements;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;

/**
 * Reads the raw dataset, validates it (columns, empty texts, duplicate ids, UTF-8, labels),
 * deduplicates texts and writes the seeded train / validation / transfer / test split
 * ({@link CacheSchemas#examples()}), with the transfer split's labels removed.
 */
public final class PrepareStage extends Stage {
  public static final String NAME = "prepare";
  /** Where {@code data.onInvalid: skip} puts the rejected rows, inside the run directory. */
  public static final String QUARANTINE = "_quarantine";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PrepareStage.class);

  public PrepareStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return "prepare: validate, deduplicate and split the raw data";
  }

  @Override
  public StagePlan plan() {
    DistillConfig.DataSettings d = context.config().data;
    return textsPlan(NAME)
        .settings(context.config(), "data.split.testFraction", "data.split.validationFraction", "data.split.labelledPerClass", "data.split.transferFraction")
        // The effective seed (labelSeed falls back to data.split.seed), under the config key.
        .setting("data.split.labelSeed", d.split.effectiveLabelSeed())
        .setting("data.split.validationPerClass", d.split.effectiveValidationPerClass())
        .settings(context.config(), "data.split.nearDuplicates", "data.split.nearDuplicateMinChars");
  }

  /**
   * Fingerprint of the set of (id, text) rows this configuration prepares: the raw data and what
   * selects rows (format, columns, labels, deduplication, the {@code maxRows} sample), but not how
   * they are split. Encodings depend on this alone, so another label budget or label draw of the
   * same texts reuses them.
   */
  public String textsFingerprint() {
    return context.graph().memo("prepare-texts", () -> textsPlan("prepare-texts").fingerprint());
  }

  private StagePlan textsPlan(String name) {
    DistillConfig.DataSettings d = context.config().data;
    if (d.labels.isEmpty()) {
      throw new IllegalArgumentException("data.labels is empty: the text stages need the label set in class order (this config has a kg section and no data"
          + " section, so it describes a knowledge graph run: pass a config with data.*, e.g. conf/local.yaml)");
    }
    StagePlan plan =
        StagePlan.of(name)
            .input("raw", context.graph().memo("raw", () -> Fingerprints.sha256Data("data.path", d.path, context.spark().sparkContext().hadoopConfiguration())))
            .settings(context.config(), "data.format", "data.maxRows", "data.split.seed")
            .labels(d.labels);
    if (d.format == DataFormat.PARQUET || d.format == DataFormat.CSV || d.format == DataFormat.TSV || d.format == DataFormat.JSONL) {
      plan.settings(context.config(), "data.columns.id", "data.columns.text", "data.columns.label", "data.columns.group");
    }
    if (d.onInvalid == org.sparkdistill.config.InvalidRowPolicy.SKIP) {
      // Under fail a finished prepare holds every row, as skip does when none is invalid: the
      // plan (and the encodings keyed on it) changes only where rows can be left out.
      plan.settings(context.config(), "data.onInvalid", "data.maxInvalidFraction");
    }
    if (d.format == DataFormat.CSV || d.format == DataFormat.TSV) {
      plan.setting("data.header", d.header);
    }
    return plan;
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    PreparedExamples prepared = new ExamplePreparer(context.spark(), context.config().data).prepare();
    SplitRequirements.require(prepared.report(), context.config().data);
    prepared.examples().write().mode(SaveMode.ErrorIfExists).parquet(runDir.toString());
    StageWrite write = countWritten(runDir, false);
    if (prepared.quarantine() != null) {
      // Hidden from readers of the examples (a leading "_"), published with them in this run.
      Path quarantine = new Path(runDir, QUARANTINE);
      prepared.quarantine().coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(quarantine.toString());
      long rows = context.spark().read().parquet(quarantine.toString()).count();
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("path", runDir.getName() + "/" + QUARANTINE);
      summary.put("rows", rows);
      summary.put("fractionOfSource", rows / (double) (rows + prepared.report().rawRows()));
      summary.put("first", prepared.quarantine().orderBy(Columns.SOURCE_FILE, Columns.LOCATION).limit(5).collectAsList().stream()
          .map(r -> r.getString(1) + ": " + r.getString(3)).toList());
      write.metric("invalidRows", rows).metric("quarantine", summary);
      LOG.warn("prepare: {} invalid rows skipped (data.onInvalid: skip), written with their reasons to {}", rows, quarantine);
    } else {
      write.metric("invalidRows", 0L);
    }
    return write
        .metric("rawRows", prepared.report().rawRows())
        .metric("duplicateTextsDropped", prepared.report().duplicateTextsDropped())
        .metric("labelledValidationRows", prepared.report().labelledValidationRows())
        .metric("nearDuplicateGroupsMerged", prepared.report().nearDuplicateGroupsMerged());
  }
}
