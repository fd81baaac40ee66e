package org.sparkdistill.udfs.kgc;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkdistill.udfs.inference.Batches;
import org.sparkdistill.udfs.inference.EncodeBatches;
import org.sparkdistill.udfs.inference.TokenizedRows;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.ModelCache;
import org.sparkdistill.udfs.model.PyTorchSupport;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.text.TextTokenizer;

/**
 * Encodes rows with {@code id} and {@code text} into {@link CacheSchemas#features()} rows (unit
 * vectors) with one side of a fine-tuned bi-encoder: entity texts through the entity encoder,
 * query texts through the query encoder. Batches as {@code encode}'s ({@link EncodeBatches}: sorted
 * by length within a read-ahead window). One model per executor JVM and device, shared by task
 * threads without a lock. Cost: one encoder forward per text.
 */
public final class BiEncoderEncodePartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final BiEncoderSpec spec;
  private final LoadedBiEncoder.Side side;
  private final int batchSize;

  public BiEncoderEncodePartitions(BiEncoderSpec spec, LoadedBiEncoder.Side side, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("pmd.batchSize must be >= 1, got: " + batchSize);
    }
    this.spec = spec;
    this.side = side;
    this.batchSize = batchSize;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return rows;
    }
    Device device = DeviceSelector.forCurrentTask(spec.device());
    LoadedBiEncoder model = ModelCache.get(spec.cacheKey(device), () -> LoadedBiEncoder.load(spec.paramsFile().localPath(), spec.meta(), PyTorchSupport.requireDevice(device)));
    TextTokenizer tokenizer = ModelCache.get(spec.tokenizerCacheKey(), () -> TextTokenizer.load(spec.tokenizerFile().localPath(), spec.tokenizer()));
    Iterator<TokenizedRows> batches = EncodeBatches.of(rows, tokenizer, batchSize, 0);
    return Batches.flatMap(
        batches,
        batch -> {
          float[][] vectors = model.encode(batch.tokens(), side);
          List<Row> out = new ArrayList<>(vectors.length);
          for (int i = 0; i < vectors.length; i++) {
            out.add(RowFactory.create(batch.ids().get(i), batch.tokens().numTokens()[i], batch.tokens().truncated()[i], vectors[i]));
          }
          return out;
        });
  }
}
