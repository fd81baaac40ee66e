package org.sparkdistill.udfs.inference;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.ModelCache;
import org.sparkdistill.udfs.model.PyTorchSupport;
import org.sparkdistill.udfs.model.TorchScriptSpec;
import org.sparkdistill.udfs.model.TorchScriptTeacher;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizerSettings;
import org.sparkdistill.udfs.uncertainty.DropoutMask;
import org.sparkdistill.udfs.uncertainty.McDropoutStatistics;
import org.sparkdistill.udfs.uncertainty.Softmax;

/**
 * Encodes and scores {@link CacheSchemas#examples()} rows with a whole-model TorchScript teacher
 * in one pass: one deterministic forward (raw logits, features) and K forwards with functional
 * dropout on, per batch. One model per executor JVM and device.
 *
 * <p>Dropout inside libtorch draws from its process-wide generator, so each MC pass reseeds it
 * from (seed, the batch's first row id, pass) under a JVM-wide lock. A retried task sees the same
 * batches and writes the same numbers; a different batch size or partitioning gives other (equally
 * valid) MC draws. Cost: (K + 1) forwards per batch; the MC passes of concurrent tasks in one JVM
 * are serialised by the lock.
 */
public final class TorchScriptScorePartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final TorchScriptSpec spec;
  private final int batchSize;
  private final int passes;
  private final long seed;
  private final int numLabels;

  /** {@code numLabels}: the configured label count, which the model's logits must match. */
  public TorchScriptScorePartitions(TorchScriptSpec spec, int batchSize, int passes, long seed, int numLabels) {
    if (batchSize < 1 || passes < 1) {
      throw new IllegalArgumentException(
          "batchSize and mcPasses must be >= 1, got: " + batchSize + " and " + passes);
    }
    this.spec = spec;
    this.batchSize = batchSize;
    this.passes = passes;
    this.seed = seed;
    this.numLabels = numLabels;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return rows;
    }
    Device device = DeviceSelector.forCurrentTask(spec.device());
    // Both held until the task completes (ModelCache.get), so eviction cannot close them under it.
    TorchScriptTeacher teacher =
        ModelCache.get(spec.cacheKey(device), () -> TorchScriptTeacher.load(spec.modelFile().localPath(), PyTorchSupport.requireDevice(device)));
    TextTokenizer tokenizer =
        ModelCache.get(
            spec.tokenizerCacheKey(),
            () -> TextTokenizer.load(spec.tokenizerFile().localPath(), spec.tokenizer()));
    return TextTeacherBatches.score(rows, batchSize, tokenizer, "score-torchscript", (tokens, ids) -> {
      TorchScriptTeacher.Output plain = teacher.forward(tokens.inputIds(), tokens.attentionMask(), false);
      int classes = plain.logits()[0].length;
      if (classes != numLabels) {
        throw new IllegalStateException(
            "TorchScript teacher " + spec.modelFile() + " returns " + classes + " logits per row, the config names " + numLabels + " labels");
      }
      List<McDropoutStatistics.Accumulator> stats = new ArrayList<>(ids.size());
      for (int i = 0; i < ids.size(); i++) {
        stats.add(new McDropoutStatistics.Accumulator(classes));
      }
      long batchKey = DropoutMask.rowKey(ids.get(0));
      for (int pass = 0; pass < passes; pass++) {
        long passSeed = seed ^ (batchKey * 0x9E3779B97F4A7C15L) ^ ((long) pass << 32 | pass);
        TorchScriptTeacher.Output mc = teacher.forward(tokens.inputIds(), tokens.attentionMask(), true, passSeed);
        for (int i = 0; i < ids.size(); i++) {
          stats.get(i).add(Softmax.softmax(mc.logits()[i]));
        }
      }
      List<McDropoutStatistics> built = new ArrayList<>(ids.size());
      for (McDropoutStatistics.Accumulator s : stats) {
        built.add(s.build());
      }
      return new TextTeacherBatches.Scores(plain.logits(), plain.features(), built);
    });
  }

  /** Settings recorded in the manifest. */
  public TokenizerSettings tokenizer() {
    return spec.tokenizer();
  }
}
