package org.sparkdistill.udfs.schema;

import java.util.List;

/** Array columns as Java arrays: Spark hands {@code array<float>} and {@code array<int>} back as lists. */
public final class RowArrays {
  private RowArrays() {}

  public static float[] floats(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  public static int[] ints(List<Integer> values) {
    int[] out = new int[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
