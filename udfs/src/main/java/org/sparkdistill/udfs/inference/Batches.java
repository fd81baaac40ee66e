package org.sparkdistill.udfs.inference;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.function.ToIntFunction;

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
    Iterator<List<I>> batches = groups(rows, batchSize);
    return flatMap(
        batches,
        batch -> {
          List<O> out = perBatch.apply(batch);
          if (out.size() != batch.size()) {
            throw new IllegalStateException(
                "a batch function must return one output per input: " + batch.size() + " in, " + out.size() + " out");
          }
          return out;
        });
  }

  /**
   * The outputs of {@code perBatch} over each element of {@code batches}, flattened lazily: one
   * batch's outputs in memory at a time.
   */
  public static <B, O> Iterator<O> flatMap(Iterator<B> batches, Function<B, List<O>> perBatch) {
    return new Iterator<>() {
      private Iterator<O> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && batches.hasNext()) {
          current = perBatch.apply(batches.next()).iterator();
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

  /**
   * Like {@link #mapInBatches}, but reads {@code windowBatches} batches ahead and sorts that window
   * by {@code length} first, so rows of similar length share a batch and padding is small. Output
   * order follows the sorted window (rows carry their ids; Parquet order carries no meaning).
   * Memory: one window of input rows.
   */
  public static <I, O> Iterator<O> mapInLengthSortedBatches(
      Iterator<I> rows, int batchSize, int windowBatches, ToIntFunction<I> length, Function<List<I>, List<O>> perBatch) {
    if (windowBatches < 1) {
      throw new IllegalArgumentException("windowBatches must be >= 1, got: " + windowBatches);
    }
    Iterator<I> sorted =
        flatMap(
            groups(rows, batchSize * windowBatches),
            window -> {
              window.sort(Comparator.comparingInt(length));
              return window;
            });
    return mapInBatches(sorted, batchSize, perBatch);
  }

  /** Consecutive groups of {@code size} elements (the last may be shorter), read lazily. */
  private static <I> Iterator<List<I>> groups(Iterator<I> rows, int size) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public List<I> next() {
        if (!rows.hasNext()) {
          throw new NoSuchElementException();
        }
        List<I> group = new ArrayList<>(size);
        while (group.size() < size && rows.hasNext()) {
          group.add(rows.next());
        }
        return group;
      }
    };
  }
}
