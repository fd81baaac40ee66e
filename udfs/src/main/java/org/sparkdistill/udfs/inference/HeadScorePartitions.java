package org.sparkdistill.udfs.inference;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.sparkdistill.udfs.model.LinearHead;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.uncertainty.McDropoutScorer;

/**
 * Scores rows of {@link CacheSchemas#features()} joined with the split and label of {@link
 * CacheSchemas#examples()} with a trained dropout + linear head: raw logits
 * with dropout off, then K passes with dropout masks drawn from (row id, pass, seed). A row's
 * numbers depend on nothing else, so a retried task, another partitioning or another cluster
 * writes the same values. Cost: K·C·d multiply-adds per row (K=16, C=20, d=384: 123k), far
 * below the encoder's; the head is small enough to ship inside the task closure.
 */
public final class HeadScorePartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final McDropoutScorer scorer;

  public HeadScorePartitions(LinearHead head, int passes, long seed) {
    this.scorer = new McDropoutScorer(head, passes, seed);
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    TaskProgress progress = new TaskProgress("score");
    progress.finishWithTask(() -> {});
    int dim = scorer.head().inputDim();
    return Batches.mapInBatches(
        rows,
        256,
        batch -> {
          List<Row> out = new java.util.ArrayList<>(batch.size());
          for (Row row : batch) {
            String id = row.getAs(Columns.ID);
            List<Float> list = row.getList(row.fieldIndex(Columns.FEATURES));
            if (list.size() != dim) {
              throw new IllegalArgumentException(
                  "features of row id=" + id + " have " + list.size() + " values, the head expects " + dim);
            }
            float[] features = RowArrays.floats(list);
            McDropoutScorer.Result result = scorer.score(id, features);
            out.add(
                ScoreRows.of(
                    id,
                    row.getAs(Columns.SPLIT),
                    row.getAs(Columns.LABEL),
                    row.getAs(Columns.TRUNCATED),
                    result.rawLogits(),
                    features,
                    result.mcDropout()));
          }
          progress.add(batch.size());
          return out;
        });
  }
}
