package org.sparkdistill.udfs.inference;

import ai.djl.Device;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.ModelCache;
import org.sparkdistill.udfs.model.PyTorchSupport;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.transformer.FineTunedSpec;
import org.sparkdistill.udfs.transformer.FineTunedTeacher;
import org.sparkdistill.udfs.transformer.McMasks;
import org.sparkdistill.udfs.uncertainty.DropoutMask;

/**
 * Encodes and scores {@link CacheSchemas#examples()} rows with a fine-tuned BERT teacher in one
 * pass: a deterministic forward (raw logits, features) and {@code passes} MC passes over the top
 * {@code mcLayers} layers and the head, with masks from (row id, pass, site, layer, seed). A retried
 * task, another partitioning or another batch size draws the same masks. One model per executor
 * JVM and device, shared by task threads without a lock. Cost per batch: one full forward plus K
 * forwards of the top {@code mcLayers} layers. The masks are {@link #MASKS}'s, computed in tensor
 * ops on the teacher's device.
 */
public final class FineTunedScorePartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  /** The masks {@code score} draws; its plan records {@link McMasks#version()}. */
  public static final McMasks MASKS = McMasks.TENSOR;

  private final FineTunedSpec spec;
  private final int batchSize;
  private final int passes;
  private final long seed;
  private final int mcLayers;

  public FineTunedScorePartitions(FineTunedSpec spec, int batchSize, int passes, long seed, int mcLayers) {
    if (batchSize < 1 || passes < 1) {
      throw new IllegalArgumentException("batchSize and mcPasses must be >= 1, got: " + batchSize + " and " + passes);
    }
    int layers = spec.meta().shape().layers();
    if (mcLayers < 0 || mcLayers > layers) {
      throw new IllegalArgumentException("teacher.finetune.mcLayers must be in [0, " + layers + "] for this " + layers + "-layer teacher, got " + mcLayers);
    }
    this.spec = spec;
    this.batchSize = batchSize;
    this.passes = passes;
    this.seed = seed;
    this.mcLayers = mcLayers;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return rows;
    }
    Device device = DeviceSelector.forCurrentTask(spec.device());
    FineTunedTeacher teacher =
        ModelCache.get(spec.cacheKey(device), () -> FineTunedTeacher.load(spec.paramsFile().localPath(), spec.meta(), PyTorchSupport.requireDevice(device)));
    TextTokenizer tokenizer = ModelCache.get(spec.tokenizerCacheKey(), () -> TextTokenizer.load(spec.tokenizerFile().localPath(), spec.tokenizer()));
    return TextTeacherBatches.score(rows, batchSize, tokenizer, "score-finetuned", (tokens, ids) -> {
      long[] keys = new long[ids.size()];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = DropoutMask.rowKey(ids.get(i));
      }
      FineTunedTeacher.Scored scored = teacher.score(tokens, keys, passes, seed, mcLayers, MASKS);
      return new TextTeacherBatches.Scores(scored.logits(), scored.features(), scored.mc());
    });
  }
}
