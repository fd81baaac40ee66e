package org.sparkdistill.stage;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.data.ExamplePreparer;
import org.sparkdistill.data.PreparedExamples;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.udfs.schema.CacheSchemas;

/**
 * Reads the raw dataset, validates it (columns, empty texts, duplicate ids, UTF-8, labels),
 * deduplicates texts and writes the seeded train / validation / transfer / test split
 * ({@link CacheSchemas#examples()}), with the transfer split's labels removed.
 */
public final class PrepareStage extends Stage {
  public static final String NAME = "prepare";

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
        .setting("split.testFraction", d.split.testFraction)
        .setting("split.validationFraction", d.split.validationFraction)
        .setting("split.labelSeed", d.split.effectiveLabelSeed())
        .setting("split.labelledPerClass", d.split.labelledPerClass)
        .setting("split.transferFraction", d.split.transferFraction)
        .setting("split.validationPerClass", d.split.effectiveValidationPerClass())
        .setting("split.nearDuplicates", d.split.nearDuplicates)
        .setting("split.nearDuplicateMinChars", d.split.nearDuplicateMinChars);
  }

  /**
   * Fingerprint of the set of (id, text) rows this configuration prepares: the raw data and what
   * selects rows (format, columns, labels, deduplication, the {@code maxRows} sample), but not how
   * they are split. Encodings depend on this alone, so another label budget or label draw of the
   * same texts reuses them.
   */
  public String textsFingerprint() {
    return textsPlan("prepare-texts").fingerprint();
  }

  private StagePlan textsPlan(String name) {
    DistillConfig.DataSettings d = context.config().data;
    StagePlan plan =
        StagePlan.of(name)
            .input("raw", Fingerprints.sha256Data("data.path", d.path, context.spark().sparkContext().hadoopConfiguration()))
            .setting("data.format", d.format)
            .setting("data.maxRows", d.maxRows)
            .setting("split.seed", d.split.seed)
            .labels(d.labels);
    if (d.format.equals("parquet")) {
      plan.setting("columns.id", d.columns.id)
          .setting("columns.text", d.columns.text)
          .setting("columns.label", d.columns.label)
          .setting("columns.group", d.columns.group);
    }
    return plan;
  }

  /** The finished, up-to-date examples of this configuration. */
  public Dataset<Row> readExamples() {
    return readOutput(CacheSchemas.examples());
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    PreparedExamples prepared = new ExamplePreparer(context.spark(), context.config().data).prepare();
    prepared.examples().write().mode(SaveMode.ErrorIfExists).parquet(runDir.toString());
    return countWritten(runDir, false)
        .metric("rawRows", prepared.report().rawRows())
        .metric("duplicateTextsDropped", prepared.report().duplicateTextsDropped())
        .metric("labelledValidationRows", prepared.report().labelledValidationRows())
        .metric("nearDuplicateGroupsMerged", prepared.report().nearDuplicateGroupsMerged());
  }
}
