package org.sparkdistill.udfs.student;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One padded batch of n-gram ids, the input of {@link StudentBlock}.
 *
 * <p>Width L = the longest row's id count, at least 1 (a batch of empty texts is one padding
 * column wide). Cost: N·L ints and floats in Java, copied once into native memory by {@link
 * #toNDList}; sort texts by length before batching to keep L small.
 *
 * @param ids [N][L] ids, rows padded with 0 on the right
 * @param mask [N][L] 1 where {@code ids} holds a real id, 0 on padding
 */
public record StudentBatch(int[][] ids, float[][] mask) {

  /** Checks that both arrays are [N][L] with N ≥ 1 and L ≥ 1. */
  public StudentBatch {
    Objects.requireNonNull(ids, "ids must not be null");
    Objects.requireNonNull(mask, "mask must not be null");
    if (ids.length == 0 || ids.length != mask.length) {
      throw new IllegalArgumentException(
          "ids and mask must have the same N >= 1 rows, got " + ids.length + " and "
              + mask.length);
    }
    int width = ids[0] == null ? -1 : ids[0].length;
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == null || mask[i] == null || ids[i].length != width
          || mask[i].length != width || width < 1) {
        throw new IllegalArgumentException(
            "ids and mask rows must all have the width L >= 1 of ids[0] (" + width
                + "), row " + i + " differs");
      }
    }
  }

  /**
   * Pads {@code idLists} (one int[] of ids ≥ 1 per text, e.g. from {@link NgramHasher#ids}) to
   * a common width.
   *
   * @throws IllegalArgumentException if the list is empty, or an id is < 1 (0 is padding)
   */
  public static StudentBatch of(List<int[]> idLists) {
    Objects.requireNonNull(idLists, "idLists must not be null");
    if (idLists.isEmpty()) {
      throw new IllegalArgumentException("idLists must hold >= 1 row, got 0");
    }
    int width = 1;
    for (int i = 0; i < idLists.size(); i++) {
      int[] row = idLists.get(i);
      if (row == null) {
        throw new IllegalArgumentException("idLists[" + i + "] must not be null");
      }
      width = Math.max(width, row.length);
    }
    int n = idLists.size();
    int[][] ids = new int[n][width];
    float[][] mask = new float[n][width];
    for (int i = 0; i < n; i++) {
      int[] row = idLists.get(i);
      for (int j = 0; j < row.length; j++) {
        if (row[j] < 1) {
          throw new IllegalArgumentException(
              "ids must be >= 1 (0 is padding), got idLists[" + i + "][" + j + "] = " + row[j]);
        }
        ids[i][j] = row[j];
        mask[i][j] = 1f;
      }
    }
    return new StudentBatch(ids, mask);
  }

  /** Hashes {@code texts} with {@code hasher} and pads them: {@code of(hasher.ids(t) ...)}. */
  public static StudentBatch of(List<String> texts, NgramHasher hasher) {
    Objects.requireNonNull(texts, "texts must not be null");
    Objects.requireNonNull(hasher, "hasher must not be null");
    List<int[]> idLists = new ArrayList<>(texts.size());
    for (String t : texts) {
      idLists.add(hasher.ids(t));
    }
    return of(idLists);
  }

  /** Rows N. */
  public int size() {
    return ids.length;
  }

  /** Padded width L. */
  public int width() {
    return ids[0].length;
  }

  /**
   * {@code NDList(ids int32 [N, L], mask float32 [N, L])} on {@code manager}; the caller closes
   * it (or the manager).
   */
  public NDList toNDList(NDManager manager) {
    int n = ids.length;
    int width = ids[0].length;
    int[] flatIds = new int[n * width];
    float[] flatMask = new float[n * width];
    for (int i = 0; i < n; i++) {
      System.arraycopy(ids[i], 0, flatIds, i * width, width);
      System.arraycopy(mask[i], 0, flatMask, i * width, width);
    }
    Shape shape = new Shape(n, width);
    NDArray idArray = manager.create(flatIds, shape);
    NDArray maskArray = manager.create(flatMask, shape);
    return new NDList(idArray, maskArray);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StudentBatch other
        && Arrays.deepEquals(ids, other.ids)
        && Arrays.deepEquals(mask, other.mask);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.deepHashCode(ids) + Arrays.deepHashCode(mask);
  }

  @Override
  public String toString() {
    return "StudentBatch[N=" + ids.length + ", L=" + ids[0].length + "]";
  }
}
