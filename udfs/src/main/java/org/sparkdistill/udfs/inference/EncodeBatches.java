package org.sparkdistill.udfs.inference;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;

/**
 * How a partition's rows (with {@code id} and {@code text}) become encoder batches, lazily: a task
 * holds one read-ahead window of {@link TextBatch#WINDOW_BATCHES} {@code x batchSize} rows.
 *
 * <ul>
 *   <li><b>Row batches</b> ({@code maxBatchTokens = 0}): the window is sorted by text length in
 *       characters (a cheap proxy for tokens) and cut into batches of {@code batchSize} rows, each
 *       tokenized on its own and padded to its longest row.
 *   <li><b>Token-budget batches</b> ({@code maxBatchTokens > 0}): the whole window is tokenized in
 *       one call, sorted by token count and cut by {@link TokenBudget}: each batch holds as many
 *       rows as fit in {@code maxBatchTokens} tokens, padding included, so short texts go in wide
 *       batches and long ones in narrow batches. {@code batchSize} then only sizes the window.
 * </ul>
 *
 * Output order follows the sorted windows (rows carry their ids; Parquet order carries no meaning).
 * The benchmark calls this too, to feed a bare runtime exactly the batches the stage runs.
 */
public final class EncodeBatches {
  private EncodeBatches() {}

  /**
   * The batches of {@code rows}.
   *
   * @throws IllegalArgumentException when {@code batchSize < 1} or {@code maxBatchTokens < 0}
   */
  public static Iterator<TokenizedRows> of(Iterator<Row> rows, TextTokenizer tokenizer, int batchSize, int maxBatchTokens) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("encoder batchSize must be >= 1, got: " + batchSize);
    }
    if (maxBatchTokens < 0) {
      throw new IllegalArgumentException("encoder maxBatchTokens must be >= 0 (0: row batches), got: " + maxBatchTokens);
    }
    int windowRows = batchSize * TextBatch.WINDOW_BATCHES;
    return new Iterator<>() {
      private Iterator<TokenizedRows> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && rows.hasNext()) {
          List<Row> window = new ArrayList<>(windowRows);
          while (window.size() < windowRows && rows.hasNext()) {
            window.add(rows.next());
          }
          current = maxBatchTokens == 0 ? rowBatches(window, tokenizer, batchSize) : budgetBatches(window, tokenizer, maxBatchTokens);
        }
        return current.hasNext();
      }

      @Override
      public TokenizedRows next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }

  private static Iterator<TokenizedRows> rowBatches(List<Row> window, TextTokenizer tokenizer, int batchSize) {
    window.sort(Comparator.comparingInt(TextBatch::length));
    Iterator<List<Row>> chunks =
        new Iterator<>() {
          private int from;

          @Override
          public boolean hasNext() {
            return from < window.size();
          }

          @Override
          public List<Row> next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            int to = Math.min(from + batchSize, window.size());
            List<Row> chunk = window.subList(from, to);
            from = to;
            return chunk;
          }
        };
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return chunks.hasNext();
      }

      @Override
      public TokenizedRows next() {
        TextBatch text = TextBatch.of(chunks.next());
        return new TokenizedRows(text.ids(), tokenizer.tokenize(text.texts(), text.ids()));
      }
    };
  }

  private static Iterator<TokenizedRows> budgetBatches(List<Row> window, TextTokenizer tokenizer, int maxBatchTokens) {
    TextBatch text = TextBatch.of(window);
    TokenizedBatch all = tokenizer.tokenize(text.texts(), text.ids());
    List<TokenizedRows> out = new ArrayList<>();
    for (int[] batch : TokenBudget.plan(all.numTokens(), maxBatchTokens)) {
      List<String> ids = new ArrayList<>(batch.length);
      for (int r : batch) {
        ids.add(text.ids().get(r));
      }
      out.add(new TokenizedRows(ids, all.select(batch)));
    }
    return out.iterator();
  }
}
