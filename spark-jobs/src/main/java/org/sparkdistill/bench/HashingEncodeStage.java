package org.sparkdistill.bench;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageWrite;
import org.sparkdistill.udfs.inference.HashingEncodePartitions;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;

/**
 * The {@code scale} benchmark's stand-in for {@link EncodeStage}: the same output name and
 * schema, features from {@link HashingEncodePartitions} instead of the ONNX encoder, so a million
 * rows reach {@code score} in seconds. Its plan records {@code encoder.kind: hashing} with the
 * dimension and seed in place of the encoder's file hashes, so the built-in {@code encode} stage
 * refuses its output (and the other way round) instead of taking one for the other.
 */
final class HashingEncodeStage extends Stage {
  private final int dim;
  private final long seed;

  HashingEncodeStage(StageContext context, int dim, long seed) {
    super(context);
    this.dim = dim;
    this.seed = seed;
  }

  @Override
  public String name() {
    return EncodeStage.NAME;
  }

  @Override
  protected String description() {
    return "encode (hashing stand-in, scale benchmark): hashed words -> " + dim + " features";
  }

  @Override
  public StagePlan plan() {
    input(PrepareStage.NAME);
    return StagePlan.of(EncodeStage.NAME)
        .input("texts", ((PrepareStage) context.graph().stage(PrepareStage.NAME)).textsFingerprint())
        .setting("encoder.kind", "hashing")
        .setting("hashing.dim", dim)
        .setting("hashing.seed", seed)
        .labels(context.config().data.labels);
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    Dataset<Row> examples = input(PrepareStage.NAME).read(CacheSchemas.examples()).select(Columns.ID, Columns.TEXT);
    examples
        .mapPartitions(new HashingEncodePartitions(dim, seed), Encoders.row(CacheSchemas.features()))
        .write()
        .mode(SaveMode.ErrorIfExists)
        .parquet(runDir.toString());
    return countWritten(runDir, true);
  }
}
