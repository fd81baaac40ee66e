package org.sparkdistill.udfs.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lazy batching: batch boundaries, one batch read ahead, and the length-sorted windows. */
class BatchesTest {

  @Test
  void batchesOfTheGivenSizeWithAShortLastOne() {
    List<Integer> sizes = new ArrayList<>();
    Iterator<Integer> out =
        Batches.mapInBatches(
            List.of(1, 2, 3, 4, 5, 6, 7).iterator(),
            3,
            batch -> {
              sizes.add(batch.size());
              return batch.stream().map(x -> x * 10).toList();
            });
    List<Integer> all = new ArrayList<>();
    out.forEachRemaining(all::add);
    assertThat(all).containsExactly(10, 20, 30, 40, 50, 60, 70);
    assertThat(sizes).containsExactly(3, 3, 1);
  }

  @Test
  void readsOnlyOneBatchAhead() {
    int[] pulled = {0};
    Iterator<Integer> rows =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            return pulled[0] < 100;
          }

          @Override
          public Integer next() {
            return pulled[0]++;
          }
        };
    Iterator<Integer> out = Batches.mapInBatches(rows, 4, batch -> batch);
    out.next();
    assertThat(pulled[0]).isEqualTo(4);
  }

  @Test
  void aBatchFunctionMustKeepOneOutputPerInput() {
    Iterator<Integer> out = Batches.mapInBatches(List.of(1, 2).iterator(), 2, batch -> List.of(1));
    assertThatThrownBy(out::next).hasMessage("a batch function must return one output per input: 2 in, 1 out");
  }

  @Test
  void flatMapSkipsEmptyOutputs() {
    Iterator<String> out = Batches.flatMap(List.of(List.of("a"), List.<String>of(), List.of("b", "c")).iterator(), b -> b);
    List<String> all = new ArrayList<>();
    out.forEachRemaining(all::add);
    assertThat(all).containsExactly("a", "b", "c");
  }

  @Test
  void lengthSortedWindowsSortWithinAWindowOnly() {
    // windows of 2 batches x 2 rows: (5, 1, 4, 2) sorts to (1, 2, 4, 5); the next window is (3)
    List<List<Integer>> batches = new ArrayList<>();
    Iterator<Integer> out =
        Batches.mapInLengthSortedBatches(
            List.of(5, 1, 4, 2, 3).iterator(),
            2,
            2,
            x -> x,
            batch -> {
              batches.add(List.copyOf(batch));
              return batch;
            });
    out.forEachRemaining(x -> {});
    assertThat(batches).containsExactly(List.of(1, 2), List.of(4, 5), List.of(3));
  }
}
