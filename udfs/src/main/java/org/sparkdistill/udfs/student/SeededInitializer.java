package org.sparkdistill.udfs.student;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import java.util.SplittableRandom;

/**
 * Initial values drawn in Java from {@code SplittableRandom(mix(initSeed) XOR hash(name))}, so a
 * parameter's start depends only on the seed and its name: not on libtorch's process-wide
 * generator, other threads, or the order parameters are initialised in.
 */
final class SeededInitializer implements Initializer {

  enum Kind {
    /** U(±√3/√D) (variance 1/D), row 0 (padding) zero; shape [rows, D]. */
    EMBEDDING,
    /** U(±1/√fanIn), PyTorch's default for Linear; shape [out, in]. */
    LINEAR_WEIGHT,
    ZEROS
  }

  private final long seed;
  private final Kind kind;

  SeededInitializer(long initSeed, String parameterName, Kind kind) {
    this.seed = StableHash.mix(initSeed) ^ StableHash.hash(parameterName, 0x5eed5eedL);
    this.kind = kind;
  }

  @Override
  public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
    if (dataType != DataType.FLOAT32) {
      throw new IllegalArgumentException("student parameters are float32, got: " + dataType);
    }
    int size = Math.toIntExact(shape.size());
    float[] values = new float[size];
    if (kind != Kind.ZEROS) {
      if (shape.dimension() != 2) {
        throw new IllegalArgumentException(kind + " needs a 2-d shape, got: " + shape);
      }
      int cols = (int) shape.get(1);
      double bound =
          kind == Kind.EMBEDDING ? Math.sqrt(3.0 / cols) : 1.0 / Math.sqrt(cols);
      SplittableRandom rng = new SplittableRandom(seed);
      int from = kind == Kind.EMBEDDING ? cols : 0; // embedding row 0 stays zero
      for (int i = from; i < size; i++) {
        values[i] = (float) ((rng.nextDouble() * 2.0 - 1.0) * bound);
      }
    }
    return manager.create(values, shape);
  }
}
