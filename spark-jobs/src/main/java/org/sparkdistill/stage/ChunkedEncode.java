package org.sparkdistill.stage;

import java.util.function.BiFunction;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.spark.TeacherResources;
import org.sparkdistill.udfs.inference.ChunkedEncodePartitions;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * The {@code encode} stage's whole-text mode ({@code encoder.chunking.enabled}): the encoder's
 * tokenizer length becomes {@code encoder.chunking.length}, every text is encoded in overlapping
 * chunks ({@link ChunkedEncodePartitions}) and the output carries a {@code chunks} column. The
 * manifest gains the cost figures: {@code chunksTotal}, {@code chunksPerRow} (mean), {@code
 * chunksMax} and {@code encodeSeconds}, so rows/s and chunks/s can be compared with an unchunked
 * run.
 */
final class ChunkedEncode {
  private ChunkedEncode() {}

  static StageWrite write(StageContext context, Dataset<Row> examples, Path runDir, BiFunction<Path, Boolean, StageWrite> count) {
    DistillConfig.EncoderSettings e = context.config().encoder;
    EncoderSpec base = EncodeStage.encoderSpec(e);
    EncoderSpec spec =
        new EncoderSpec(base.modelFile(), base.tokenizerFile(), new TokenizerSettings(e.chunking.length, true), base.pooling(), base.normalize(), base.intraOpThreads(), base.device());
    long start = System.nanoTime();
    org.sparkdistill.udfs.schema.FeatureStorage storage = context.config().cache.features;
    org.sparkdistill.spark.TaskDevices devices = org.sparkdistill.spark.TaskDevices.register(context.spark(), EncodeStage.NAME, spec.device());
    CachedFeatures.store(
            TeacherResources.mapPartitions(
                examples,
                devices.recording(new ChunkedEncodePartitions(spec, e.batchSize, e.maxBatchTokens, e.chunking.overlap, e.chunking.maxChunks)),
                ChunkedEncodePartitions.schema(),
                context.config().resources,
                EncodeStage.NAME),
            storage,
            EncodeStage.NAME)
        .write()
        .mode(SaveMode.ErrorIfExists)
        .parquet(runDir.toString());
    double seconds = (System.nanoTime() - start) / 1e9;
    Row chunks =
        context.spark().read().parquet(runDir.toString())
            .agg(functions.sum(ChunkedEncodePartitions.CHUNKS), functions.avg(ChunkedEncodePartitions.CHUNKS), functions.max(ChunkedEncodePartitions.CHUNKS))
            .first();
    return CachedFeatures.describe(count.apply(runDir, true), context.spark(), runDir, storage)
        .metric("devices", devices.seen())
        .metric("chunksTotal", chunks.getLong(0))
        .metric("chunksPerRow", chunks.getDouble(1))
        .metric("chunksMax", chunks.getInt(2))
        .metric("encodeSeconds", seconds);
  }
}
