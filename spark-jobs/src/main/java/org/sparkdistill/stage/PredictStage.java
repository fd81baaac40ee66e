package org.sparkdistill.stage;

import java.util.Arrays;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.io.SchemaCheck;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.udfs.inference.StudentPredictPartitions;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;

/**
 * Runs a saved student over a dataset on Spark ({@code predict.input}, or this run's prepared
 * examples), one model per executor JVM, writing {@link CacheSchemas#predictions()} to {@code
 * <workDir>/predictions-<mode>}. The student's files are broadcast to the executors, so the
 * student may live on any Hadoop filesystem.
 */
public final class PredictStage extends Stage {
  public static final String NAME = "predict";

  public PredictStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StageOutput output() {
    return context.modeOutput("predictions");
  }

  @Override
  protected String description() {
    return "predict: student (" + context.config().student.mode + ") over " + inputName();
  }

  private String inputName() {
    String input = context.config().predict.input;
    return input.isBlank() ? "the prepared examples" : input;
  }

  @Override
  public StagePlan plan() {
    DistillConfig.PredictSettings p = context.config().predict;
    StageInput student = input(TrainStudentStage.NAME);
    StagePlan plan = StagePlan.of(NAME).input("student", student.fingerprint()).labels(context.config().data.labels);
    if (p.input.isBlank()) {
      plan.input("examples", input(PrepareStage.NAME).fingerprint());
    } else {
      plan.input("data", Fingerprints.sha256Data("predict.input", p.input, context.spark().sparkContext().hadoopConfiguration()))
          .settings(context.config(), "predict.idColumn", "predict.textColumn");
    }
    return plan;
  }

  private Dataset<Row> input() {
    DistillConfig.PredictSettings p = context.config().predict;
    if (p.input.isBlank()) {
      return input(PrepareStage.NAME).read(CacheSchemas.examples());
    }
    Dataset<Row> data = context.spark().read().parquet(p.input);
    StructType required = new StructType().add(p.idColumn, DataTypes.StringType).add(p.textColumn, DataTypes.StringType);
    SchemaCheck.require(data.schema(), required, "predict.input " + p.input);
    Dataset<Row> rows = data.withColumnRenamed(p.idColumn, Columns.ID).withColumnRenamed(p.textColumn, Columns.TEXT);
    for (String optional : new String[] {Columns.SPLIT, Columns.LABEL}) {
      if (!Arrays.asList(rows.columns()).contains(optional)) {
        rows = rows.withColumn(optional, org.apache.spark.sql.functions.lit(null).cast("string"));
      }
    }
    return rows.select(Columns.ID, Columns.SPLIT, Columns.LABEL, Columns.TEXT);
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    StageInput student = input(TrainStudentStage.NAME);
    Broadcast<Map<String, byte[]>> files =
        JavaSparkContext.fromSparkContext(context.spark().sparkContext()).broadcast(student.files());
    input()
        .mapPartitions(
            new StudentPredictPartitions(files, student.manifest().runId(), context.config().predict.batchSize),
            Encoders.row(CacheSchemas.predictions()))
        .write()
        .mode(SaveMode.ErrorIfExists)
        .parquet(runDir.toString());
    files.destroy();
    return countWritten(runDir, false);
  }
}
