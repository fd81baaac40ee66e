package org.sparkdistill.udfs.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Inverted-dropout masks computed by a counter-based hash in tensor ops on the activations' device:
 * element {@code i} of a row's grid (its flat index in the row's [maxLength, hidden] or [heads,
 * maxLength, maxLength] grid) is dropped when
 *
 * <pre>
 *   k = (a · U(i) + c) mod 2^26,   dropped  ⇔  k · 2^-26 &lt; rate
 * </pre>
 *
 * and otherwise multiplied by {@code 1/(1 − rate)} in float32, like {@link
 * org.sparkdistill.udfs.uncertainty.DropoutMask}.
 *
 * <ul>
 *   <li>{@code U(i)}, the index hash: {@value #ROUNDS} keyed cube rounds {@code x ← (x + K_r)^3 mod
 *       p} from {@code x = i}, over the prime {@code p} = {@value #PRIME} = 2^26 − 5 (p ≡ 2 mod 3,
 *       so each round is a bijection: distinct indices have distinct U). Computed once per instance
 *       for every index of the largest grid in int64 (products below 2^52, exact), then kept as
 *       float64 {@code U(i)·2^-26}.
 *   <li>{@code a} (odd) and {@code c}, 26 bits each: per row and per (pass, site, layer, seed), from
 *       SplitMix64 finalisers of (row key, pass, site seed) in Java, one pair per row (nanoseconds).
 *       With distinct U values and the decision on k's top bits, {@code U ↦ k} is a member of
 *       Dietzfelbinger's multiply-add-shift family: over the keys, two elements' drop decisions
 *       are close to independent, and a row, pass, site or layer with another key draws an
 *       unrelated mask (the tests bound the agreement of each pair of neighbours).
 *   <li>Per element, in float64: {@code a·U + c·2^-26} (both products exact: below 2^53), minus its
 *       floor (exact), compared with {@code rate}: five element-wise ops, no integer division. The
 *       tests check these ops against a {@link java.math.BigInteger} reference of the formula.
 * </ul>
 *
 * <p>Why float64 and not int64 (DJL's NDArray has no bitwise ops, so a hash is built from
 * multiply, add and a reduction): libtorch's int64 remainder on CPU is a scalar division per
 * element. The same per-element step in int64 (multiply, add, remainder by a prime below 2^31)
 * took about 6.6 ms on a [16, 12, 64, 64] attention site here against 2.2 to 2.6 ms for this one,
 * whose reduction is a vectorised floor and subtract; the int64 remainder is kept for the table,
 * built once.
 *
 * <p>A row's mask depends only on (row key, pass, site seed, element index): not on the other rows
 * of the batch, its padding (attention masks index the full maxLength grid and keep the batch's
 * [length, length] corner, hidden-state masks index position·hidden + j), the thread, or libtorch's
 * generator. Every float64 step is exact (no rounding anywhere before the final float32 scale), so
 * another device should compute the same bits; checked on CPU only (no GPU here).
 *
 * <p>Cost: the index table, 8 bytes per index of the largest grid (heads·maxLength² or
 * maxLength·hidden: 393 KB at 12 heads and 64 tokens, 25 MB at 512 tokens), built on first use in
 * about 9 ms per 100,000 indices on one CPU thread (8 ms at 64 tokens, 0.3 s at 512); per masked
 * site a few float64 passes over the activations: about 2.5 ns per element on one CPU thread,
 * against 4.0 for the Java masks of {@link SeededDropout}, which also copy each mask into native
 * memory ({@code bench/McMaskBenchmark}: 24 against 40 ms per whole-model pass of a batch of 16 at
 * 64 tokens, about a tenth of whole-model MC time either way). Thread-safe: the table and its
 * views are read only.
 *
 * <p><b>Cache contract.</b> {@link #VERSION} names this formula; {@code score}'s plan records it,
 * so changing any constant or step here must change {@link #VERSION}.
 */
public final class TensorDropoutMasks implements AutoCloseable {
  /** The mask formula's name, recorded in {@code score}'s plan: change it with any change here. */
  public static final String VERSION = "tensor-cube8-muladd26-v1";

  /** The prime of the index hash: the largest below 2^26 with p ≡ 2 (mod 3). */
  static final long PRIME = 67_108_859L;

  /** Cube rounds of the index hash. */
  static final int ROUNDS = 8;

  /** Bits of the fixed-point hash value k. */
  static final int BITS = 26;

  private static final double UNIT = 0x1p-26;
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
  private static final long ROW_SALT = 0x2545F4914F6CDD1DL;
  private static final long PASS_SALT = 0x632BE59BD9B4E019L;

  private final NDManager manager;
  private final int maxLength;
  private final int heads;
  private final int hidden;
  private final NDArray table;
  private final Map<Integer, NDArray> attentionViews = new ConcurrentHashMap<>();
  private final Map<Integer, NDArray> hiddenViews = new ConcurrentHashMap<>();

  private TensorDropoutMasks(NDManager manager, int maxLength, int heads, int hidden, NDArray table) {
    this.manager = manager;
    this.maxLength = maxLength;
    this.heads = heads;
    this.hidden = hidden;
    this.table = table;
  }

  /**
   * Builds the index table for grids of up to {@code maxLength} tokens in a sub-manager of {@code
   * manager} (on its device); {@link #close()} frees it, and so does closing {@code manager}.
   *
   * @throws IllegalArgumentException when a grid has more than {@value #PRIME} elements (the hash
   *     indexes elements below its prime)
   */
  public static TensorDropoutMasks create(NDManager manager, int maxLength, int heads, int hidden) {
    if (maxLength < 1 || heads < 1 || hidden < 1) {
      throw new IllegalArgumentException("maxLength, heads and hidden must be >= 1, got " + maxLength + ", " + heads + ", " + hidden);
    }
    long size = Math.max((long) heads * maxLength * maxLength, (long) maxLength * hidden);
    if (size > PRIME) {
      throw new IllegalArgumentException(
          "tensor dropout masks index at most " + PRIME + " elements per row, the grid of " + maxLength + " tokens, " + heads + " heads and width " + hidden + " has " + size + ": lower encoder.maxLength");
    }
    NDManager own = manager.newSubManager();
    try (NDManager scratch = own.newSubManager()) {
      NDArray x = scratch.arange(0, (int) size, 1, DataType.INT64);
      for (int r = 0; r < ROUNDS; r++) {
        x.addi(roundKey(r)).modi(PRIME);
        NDArray cube = x.mul(x).modi(PRIME).muli(x).modi(PRIME);
        x.close();
        x = cube;
      }
      NDArray table = x.toType(DataType.FLOAT64, false).muli(UNIT);
      table.attach(own);
      return new TensorDropoutMasks(own, maxLength, heads, hidden, table);
    } catch (RuntimeException e) {
      own.close();
      throw e;
    }
  }

  /** The round key {@code K_r} of the index hash, in [0, p). */
  static long roundKey(int round) {
    return Long.remainderUnsigned(mix64(GOLDEN_GAMMA * (round + 1)), PRIME);
  }

  /**
   * {@code x} after inverted dropout at {@code rate} with the masks of ({@code rowKeys}[b], {@code
   * pass}, {@code siteSeed}): {@code x · keep · (float) (1/(1 − rate))}, a new array in {@code x}'s
   * manager.
   *
   * @param x [batch, length, width] (hidden states, width = hidden) or [batch, heads, length,
   *     length] (attention probabilities)
   * @param attention whether {@code x} holds attention probabilities
   */
  public NDArray apply(NDArray x, boolean attention, long[] rowKeys, int pass, long siteSeed, float rate) {
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("rate must be in [0, 1), got: " + rate);
    }
    NDArray keep;
    try (NDArray f = fractions(x, attention, rowKeys, pass, siteSeed)) {
      keep = f.gte((double) rate);
    }
    float scale = (float) (1.0 / (1.0 - rate));
    try (keep) {
      // float32 · bool is float32 (0 or x exactly), then one rounding: the same bits as x · mask
      return x.mul(keep).muli(scale);
    }
  }

  /** k·2^-26 of every element of {@code x}'s grid, float64 of {@code x}'s shape (the tests' hook). */
  NDArray fractions(NDArray x, boolean attention, long[] rowKeys, int pass, long siteSeed) {
    if (pass < 0) {
      throw new IllegalArgumentException("pass must be >= 0, got: " + pass);
    }
    Shape shape = x.getShape();
    int batch = (int) shape.get(0);
    if (batch != rowKeys.length) {
      throw new IllegalArgumentException("a batch of " + batch + " rows, " + rowKeys.length + " row keys");
    }
    NDArray grid = attention ? attentionGrid(shape) : hiddenGrid(shape);
    double[] a = new double[batch];
    double[] c = new double[batch];
    for (int b = 0; b < batch; b++) {
      long[] ac = coefficients(rowKeys[b], pass, siteSeed);
      a[b] = ac[0];
      c[b] = ac[1] * UNIT;
    }
    long[] keyShape = new long[shape.dimension()];
    Arrays.fill(keyShape, 1);
    keyShape[0] = batch;
    NDManager m = x.getManager();
    NDArray v;
    try (NDArray av = m.create(a, new Shape(keyShape)); NDArray cv = m.create(c, new Shape(keyShape))) {
      v = av.mul(grid).addi(cv);
    }
    try (NDArray whole = v.floor()) {
      return v.subi(whole);
    }
  }

  private NDArray attentionGrid(Shape shape) {
    if (shape.dimension() != 4 || shape.get(1) != heads || shape.get(2) != shape.get(3)) {
      throw new IllegalArgumentException("attention masks need [batch, " + heads + ", length, length], got " + shape);
    }
    int length = checkLength(shape.get(2));
    return attentionViews.computeIfAbsent(length, l -> table.get(new NDIndex("0:" + (long) heads * maxLength * maxLength)).reshape(heads, maxLength, maxLength).get(new NDIndex(":, :" + l + ", :" + l)));
  }

  private NDArray hiddenGrid(Shape shape) {
    if (shape.dimension() != 3 || shape.get(2) != hidden) {
      throw new IllegalArgumentException("hidden-state masks need [batch, length, " + hidden + "], got " + shape);
    }
    int length = checkLength(shape.get(1));
    return hiddenViews.computeIfAbsent(length, l -> table.get(new NDIndex("0:" + (long) l * hidden)).reshape(l, hidden));
  }

  private int checkLength(long length) {
    if (length < 1 || length > maxLength) {
      throw new IllegalArgumentException("a batch of length " + length + " must be in [1, the maximum length " + maxLength + "]");
    }
    return (int) length;
  }

  /** The row's {a, c}: a odd in [1, 2^26), c in [0, 2^26). Part of the cache contract. */
  static long[] coefficients(long rowKey, int pass, long siteSeed) {
    long h = mix64(siteSeed + GOLDEN_GAMMA);
    h = mix64(h ^ (rowKey + ROW_SALT));
    h = mix64(h ^ (pass + PASS_SALT));
    long a = (h >>> (64 - BITS)) | 1L;
    long c = mix64(h + GOLDEN_GAMMA) >>> (64 - BITS);
    return new long[] {a, c};
  }

  /** SplitMix64 finaliser (Stafford's Mix13). */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public void close() {
    manager.close();
  }
}
