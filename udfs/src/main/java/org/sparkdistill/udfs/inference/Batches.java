package org.sparkdistill.udfs.inference;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Lazy batching of a partition's rows: reads at most {@code batchSize} rows ahead, so a task holds
 * one batch in memory however large its partition is.
 */
public final class Batches {
  private Batches() {}

  /**
   * Groups {@code rows} into batches of {@code batchSize}, applies {@code perBatch} (which must
   * return one output per input, in order) and flattens the results.
   */
  public static <I, O> Iterator<O> mapInBatches(
      Iterator<I> rows, int batchSize, Function<List<I>, List<O>> perBatch) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got: " + batchSize);
    }
    return new Iterator<>() {
      private Iterator<O> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && rows.hasNext()) {
          List<I> batch = new ArrayList<>(batchSize);
          while (batch.size() < batchSize && rows.hasNext()) {
            batch.add(rows.next());
          }
          List<O> out = perBatch.apply(batch);
          if (out.size() != batch.size()) {
            throw new IllegalStateException(
                "a batch function must return one output per input: " + batch.size() + " in, " + out.size() + " out");
          }
          current = out.iterator();
        }
        return current.hasNext();
      }

      @Override
      public O next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }
}
