package org.sparkdistill.udfs.inference;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.EncodedBatch;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.ModelCache;
import org.sparkdistill.udfs.model.OnnxSentenceEncoder;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;

/**
 * Encodes a partition of rows with {@code id} and {@code text} columns into {@link
 * CacheSchemas#features()} rows. The encoder is loaded once per executor JVM and device through
 * {@link ModelCache}; each task opens one predictor, closed when the task completes, and feeds it
 * batches of {@code batchSize} rows, sorted by length within a window of a few batches so that
 * padding (to the longest row of a batch) wastes little.
 */
public final class EncodePartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final EncoderSpec spec;
  private final int batchSize;

  public EncodePartitions(EncoderSpec spec, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("encoder batchSize must be >= 1, got: " + batchSize);
    }
    this.spec = spec;
    this.batchSize = batchSize;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return rows;
    }
    Device device = DeviceSelector.forCurrentTask(spec.device());
    // Held until the task completes, so eviction cannot close it under this task.
    ModelCache.Lease<OnnxSentenceEncoder> encoder =
        ModelCache.acquire(spec.cacheKey(device), () -> OnnxSentenceEncoder.load(spec, device));
    OnnxSentenceEncoder.Session session;
    try {
      session = encoder.get().newSession();
    } catch (RuntimeException e) {
      encoder.close();
      throw e;
    }
    TaskProgress progress = new TaskProgress("encode");
    progress.finishWithTask(
        () -> {
          session.close();
          encoder.close();
        });
    return Batches.mapInLengthSortedBatches(
        rows,
        batchSize,
        TextBatch.WINDOW_BATCHES,
        TextBatch::length,
        batch -> {
          TextBatch text = TextBatch.of(batch);
          List<String> ids = text.ids();
          EncodedBatch encoded = session.encode(text.texts(), ids);
          List<Row> out = new ArrayList<>(batch.size());
          for (int i = 0; i < batch.size(); i++) {
            out.add(
                RowFactory.create(
                    ids.get(i),
                    encoded.numTokens()[i],
                    encoded.truncated()[i],
                    encoded.vectors()[i]));
          }
          progress.add(batch.size());
          return out;
        });
  }
}
