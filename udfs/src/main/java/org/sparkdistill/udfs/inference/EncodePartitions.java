package org.sparkdistill.udfs.inference;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.EncodedBatch;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.ModelCache;
import org.sparkdistill.udfs.model.OnnxSentenceEncoder;
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
    Iterator<TokenizedRows> batches = EncodeBatches.of(rows, encoder.get().tokenizer(), batchSize, maxBatchTokens);
    return new Iterator<>() {
      private Iterator<Row> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && batches.hasNext()) {
          TokenizedRows batch = batches.next();
          EncodedBatch encoded = session.encode(batch.tokens());
          List<String> ids = batch.ids();
          List<Row> out = new ArrayList<>(ids.size());
          for (int i = 0; i < ids.size(); i++) {
            out.add(RowFactory.create(ids.get(i), encoded.numTokens()[i], encoded.truncated()[i], encoded.vectors()[i]));
          }
          progress.add(ids.size());
          current = out.iterator();
        }
        return current.hasNext();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }
}
