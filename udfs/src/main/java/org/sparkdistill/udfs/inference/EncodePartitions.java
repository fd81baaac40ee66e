package org.sparkdistill.udfs.inference;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkdistill.udfs.model.EncodedBatch;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.schema.CacheSchemas;

/**
 * Encodes a partition of rows with {@code id} and {@code text} columns into {@link
 * CacheSchemas#features()} rows. The encoder is loaded once per executor JVM and device through
 * {@link ModelCache}; each task opens one predictor, closed when the task completes, and feeds it
 * the batches of {@link EncodeBatches}: {@code batchSize} rows sorted by length within a window of
 * a few batches so that padding (to the longest row of a batch) wastes little, or, with {@code
 * maxBatchTokens > 0}, as many rows as fit in that many tokens, padding included.
 */
public final class EncodePartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final EncoderSpec spec;
  private final int batchSize;
  private final int maxBatchTokens;

  /** Row batches of {@code batchSize}. */
  public EncodePartitions(EncoderSpec spec, int batchSize) {
    this(spec, batchSize, 0);
  }

  /**
   * @param maxBatchTokens 0: batches of {@code batchSize} rows; otherwise token-budget batches
   *     (at least the tokenizer's maximum length, so every row fits)
   */
  public EncodePartitions(EncoderSpec spec, int batchSize, int maxBatchTokens) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("encoder batchSize must be >= 1, got: " + batchSize);
    }
    if (maxBatchTokens != 0 && maxBatchTokens < spec.tokenizer().maxLength()) {
      throw new IllegalArgumentException(
          "encoder maxBatchTokens must be 0 (row batches) or >= tokenizer maxLength "
              + spec.tokenizer().maxLength()
              + " so that every row fits, got: "
              + maxBatchTokens);
    }
    this.spec = spec;
    this.batchSize = batchSize;
    this.maxBatchTokens = maxBatchTokens;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return rows;
    }
    EncoderTask task = EncoderTask.open(spec, "encode", null);
    Iterator<TokenizedRows> batches = EncodeBatches.of(rows, task.encoder().tokenizer(), batchSize, maxBatchTokens);
    return Batches.flatMap(
        batches,
        batch -> {
          EncodedBatch encoded = task.session().encode(batch.tokens());
          List<String> ids = batch.ids();
          List<Row> out = new ArrayList<>(ids.size());
          for (int i = 0; i < ids.size(); i++) {
            out.add(RowFactory.create(ids.get(i), encoded.numTokens()[i], encoded.truncated()[i], encoded.vectors()[i]));
          }
          task.progress().add(ids.size());
          return out;
        });
  }
}
