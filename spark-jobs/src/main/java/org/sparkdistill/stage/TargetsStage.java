package org.sparkdistill.stage;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.functions;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.SchemaCheck;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.method.DistillationMethod;
import org.sparkdistill.method.DistillationMethods;
import org.sparkdistill.method.TargetTransform;
import org.sparkdistill.method.TeacherInput;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;

/**
 * Builds the training targets every student reads ({@link CacheSchemas#targets()}) with the
 * method that {@code targets.method} names ({@link DistillationMethod}): resolves the method's
 * teacher caches (each checked against its manifest and label set), runs its fit step and
 * transform, and joins each row's text, split and (where the split has one) label. The method's
 * settings and every teacher cache's fingerprint go into the plan and manifest.
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

  private DistillationMethod method() {
    return DistillationMethods.of(context.config());
  }

  @Override
  public StagePlan plan() {
    DistillationMethod method = method();
    StagePlan plan = StagePlan.of(NAME).input("examples", input(PrepareStage.NAME).fingerprint()).setting("targets.method", method.name());
    for (Map.Entry<String, StageInput> teacher : teachers(method).entrySet()) {
      plan.input(teacher.getKey().equals("teacher") ? "scores" : "scores." + teacher.getKey(), teacher.getValue().fingerprint());
    }
    method.settings().forEach(plan::setting);
    return plan.labels(context.config().data.labels);
  }

  /** Each teacher role's cache, checked against its manifest and label set. */
  private Map<String, StageInput> teachers(DistillationMethod method) {
    Map<String, StageInput> out = new LinkedHashMap<>();
    for (TeacherInput teacher : method.teachers()) {
      StageInput cache;
      if (teacher.output().equals(ScoreStage.NAME)) {
        cache = input(ScoreStage.NAME);
      } else {
        var output = context.output(teacher.output());
        cache = new StageInput(ScoreStage.NAME, output, output.requireFinished(ScoreStage.NAME), context.spark());
      }
      if (!cache.manifest().labels().equals(teacher.labels())) {
        throw new IllegalStateException(
            "teacher cache '" + teacher.role() + "' at " + cache.output().dir() + " has labels " + cache.manifest().labels()
                + ", the " + method.name() + " method expects " + teacher.labels() + " (same labels, same order)");
      }
      out.put(teacher.role(), cache);
    }
    Map<String, Manifest> manifests = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    out.forEach((role, cache) -> {
      manifests.put(role, cache.manifest());
      sources.put(role, cache.output().dir().toString());
    });
    method.checkCaches(manifests, sources);
    return out;
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillationMethod method = method();
    Map<String, Dataset<Row>> caches = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    teachers(method).forEach((role, cache) -> {
      caches.put(role, CachedFeatures.read(cache, CacheSchemas.scores()));
      sources.put(role, cache.output().dir().toString());
    });
    TargetTransform transform = method.fit(caches);
    Dataset<Row> targets = transform.transform(caches, sources);
    Dataset<Row> examples = input(PrepareStage.NAME).read(CacheSchemas.examples());
    if (method.hidesPoolLabels()) {
      examples =
          examples.withColumn(
              Columns.LABEL,
              functions.when(functions.col(Columns.SPLIT).isin(Split.TRAIN.value(), Split.TRANSFER.value()), functions.lit(null).cast("string"))
                  .otherwise(functions.col(Columns.LABEL)));
    }
    // the targets' columns, then any a method adds (e.g. MUKA's selected teacher)
    java.util.List<Column> columns = new java.util.ArrayList<>(java.util.Arrays.asList(SchemaCheck.columns(CacheSchemas.targets())));
    for (String extra : targets.columns()) {
      if (!java.util.Arrays.asList(CacheSchemas.targets().fieldNames()).contains(extra)) {
        columns.add(functions.col(extra));
      }
    }
    Dataset<Row> rows = examples.join(targets, Columns.ID).select(columns.toArray(Column[]::new));
    rows.write().mode(SaveMode.ErrorIfExists).parquet(runDir.toString());
    StageWrite written = countWritten(runDir, false).metric("method", method.name());
    transform.writtenMetrics(() -> context.spark().read().schema(CacheSchemas.targets()).parquet(runDir.toString())).forEach(written::metric);
    // after the count, which reads the run directory as Parquet: saved state is not Parquet
    transform.save(runDir, context.spark().sparkContext().hadoopConfiguration());
    transform.metrics().forEach(written::metric);
    return written;
  }

  /** The rows of finished targets, refusing a label vocabulary other than the configured one. */
  public static Dataset<Row> rows(StageInput targets, java.util.List<String> labels) {
    Manifest manifest = targets.manifest();
    if (!manifest.labels().equals(labels)) {
      throw new IllegalStateException(
          "targets at " + targets.output().dir() + " have label vocabulary " + manifest.labels() + ", the config names " + labels);
    }
    return targets.read(CacheSchemas.targets());
  }
}
