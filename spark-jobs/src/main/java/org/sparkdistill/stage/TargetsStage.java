package org.sparkdistill.stage;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.SchemaCheck;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.method.TargetBuilder;
import org.sparkdistill.method.TargetBuilders;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;

/**
 * Builds the training targets every student reads ({@link CacheSchemas#targets()}) from the
 * teacher cache, with the method that {@code targets.method} names, joined with each row's text,
 * split and (where the split has one) label. The label vocabulary goes into the manifest.
 */
public final class TargetsStage extends Stage {
  public static final String NAME = "targets";

  public TargetsStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return "targets: " + context.config().targets.method + " targets from the teacher cache";
  }

  private TargetBuilder builder() {
    return TargetBuilders.of(context.config().targets);
  }

  @Override
  public StagePlan plan() {
    Manifest examples = requireUpToDate(new PrepareStage(context));
    Manifest scores = requireUpToDate(new ScoreStage(context));
    StagePlan plan =
        StagePlan.of(NAME)
            .input("examples", examples.fingerprint())
            .input("scores", scores.fingerprint())
            .setting("targets.method", builder().method())
            .labels(context.config().data.labels);
    builder().settings().forEach(plan::setting);
    return plan;
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    ScoreStage score = new ScoreStage(context);
    Dataset<Row> cache = score.readOutput(CacheSchemas.scores());
    Dataset<Row> targets = builder().build(cache, plan.labels(), score.output().dir().toString());
    Dataset<Row> rows =
        new PrepareStage(context).readExamples().join(targets, Columns.ID).select(SchemaCheck.columns(CacheSchemas.targets()));
    rows.write().mode(SaveMode.ErrorIfExists).parquet(runDir.toString());
    return countWritten(runDir, false).metric("method", builder().method());
  }

  /** The finished targets, refusing a label vocabulary other than the configured one. */
  public Dataset<Row> readTargets() {
    Manifest manifest = output().requireFinished(NAME);
    if (!manifest.labels().equals(context.config().data.labels)) {
      throw new IllegalStateException(
          "targets at " + output().dir() + " have label vocabulary " + manifest.labels() + ", the config names " + context.config().data.labels);
    }
    return output().read(context.spark(), manifest, CacheSchemas.targets());
  }
}
