package org.sparkdistill.udfs.inference;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.uncertainty.McDropoutStatistics;

/**
 * The partition loop that teachers reading raw text share in {@code score}: {@link
 * CacheSchemas#examples()} rows in length-sorted batches ({@link TextBatch#WINDOW_BATCHES} batches
 * of look-ahead), tokenised, scored by the teacher, and written as {@link CacheSchemas#scores()}
 * rows in the batch's order, with the task's progress logged. What a teacher does with a batch
 * (its forwards and MC passes) is the {@link BatchScorer}'s.
 */
final class TextTeacherBatches {
  private TextTeacherBatches() {}

  /** One batch's teacher outputs; element i belongs to the batch's row i. */
  record Scores(float[][] logits, float[][] features, List<McDropoutStatistics> mc) {}

  /** Scores one tokenised batch; {@code ids} are its rows' ids, in order. */
  @FunctionalInterface
  interface BatchScorer {
    Scores score(TokenizedBatch tokens, List<String> ids);
  }

  /** Streams {@code rows} through {@code scorer} in batches of {@code batchSize}. */
  static Iterator<Row> score(Iterator<Row> rows, int batchSize, TextTokenizer tokenizer, String progressName, BatchScorer scorer) {
    TaskProgress progress = new TaskProgress(progressName);
    progress.finishWithTask(() -> {});
    return Batches.mapInLengthSortedBatches(
        rows,
        batchSize,
        TextBatch.WINDOW_BATCHES,
        TextBatch::length,
        batch -> {
          TextBatch text = TextBatch.of(batch);
          List<String> ids = text.ids();
          TokenizedBatch tokens = tokenizer.tokenize(text.texts(), ids);
          Scores scores = scorer.score(tokens, ids);
          List<Row> out = new ArrayList<>(batch.size());
          for (int i = 0; i < batch.size(); i++) {
            Row in = batch.get(i);
            out.add(ScoreRows.of(ids.get(i), in.getAs(Columns.SPLIT), in.getAs(Columns.LABEL), tokens.truncated()[i], scores.logits()[i], scores.features()[i], scores.mc().get(i)));
          }
          progress.add(batch.size());
          return out;
        });
  }
}
