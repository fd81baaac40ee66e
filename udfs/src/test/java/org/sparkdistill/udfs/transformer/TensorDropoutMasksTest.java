package org.sparkdistill.udfs.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.math.BigInteger;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkdistill.udfs.uncertainty.DropoutMask;

/**
 * The tensor-op dropout masks: they compute the documented formula exactly (against a BigInteger
 * reference written here), drop at the rate, show no correlation between neighbouring elements,
 * rows, passes or sites, and never depend on the batch, its padding, the call or the thread.
 */
class TensorDropoutMasksTest {
  private static final int HEADS = 12;
  private static final int MAX_LENGTH = 64;
  private static final int HIDDEN = 384;
  private static final long P = 67_108_859L;

  private static NDManager manager;
  private static TensorDropoutMasks masks;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    masks = TensorDropoutMasks.create(manager, MAX_LENGTH, HEADS, HIDDEN);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  // ---- the reference: the class doc's formula in BigInteger / long arithmetic ----

  private static long splitMix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** U(i): 8 rounds x ← (x + K_r)^3 mod p from x = i, K_r = SplitMix64(γ·(r + 1)) mod p (unsigned). */
  private static long referenceIndexHash(long i) {
    BigInteger p = BigInteger.valueOf(P);
    BigInteger x = BigInteger.valueOf(i);
    for (int r = 0; r < 8; r++) {
      BigInteger key = new BigInteger(Long.toUnsignedString(splitMix(0x9E3779B97F4A7C15L * (r + 1)))).mod(p);
      x = x.add(key).mod(p).pow(3).mod(p);
    }
    return x.longValueExact();
  }

  /** k = (a·U(i) + c) mod 2^26. */
  private static long referenceK(long a, long c, long index) {
    return BigInteger.valueOf(a).multiply(BigInteger.valueOf(referenceIndexHash(index))).add(BigInteger.valueOf(c)).mod(BigInteger.ONE.shiftLeft(26)).longValueExact();
  }

  @Test
  void thePrimeIsTheLargestBelow2To26WhoseCubeIsABijection() {
    assertThat(TensorDropoutMasks.PRIME).isEqualTo(P).isEqualTo((1L << 26) - 5);
    assertThat(BigInteger.valueOf(P).isProbablePrime(60)).isTrue();
    assertThat(P % 3).isEqualTo(2); // gcd(3, p − 1) = 1: x ↦ x³ permutes Z_p
    for (long q = P + 1; q < 1L << 26; q++) {
      assertThat(q % 3 == 2 && BigInteger.valueOf(q).isProbablePrime(60)).as("prime %d", q).isFalse();
    }
  }

  @Test
  void theTensorOpsComputeTheFormulaExactly() {
    long[] rowKeys = {DropoutMask.rowKey("debian-1"), -7L, Long.MAX_VALUE};
    long siteSeed = SeededDropout.siteSeed(42, DropoutSite.ATTENTION_PROBS, 3);
    try (NDManager m = manager.newSubManager()) {
      int length = 5;
      NDArray att = m.ones(new Shape(rowKeys.length, HEADS, length, length));
      double[] got = masks.fractions(att, true, rowKeys, 2, siteSeed).toDoubleArray();
      int o = 0;
      for (long rowKey : rowKeys) {
        long[] ac = TensorDropoutMasks.coefficients(rowKey, 2, siteSeed);
        assertThat(ac[0] & 1).isEqualTo(1);
        assertThat(ac[0]).isLessThan(1L << 26);
        assertThat(ac[1]).isBetween(0L, (1L << 26) - 1);
        for (int h = 0; h < HEADS; h++) {
          for (int i = 0; i < length; i++) {
            for (int j = 0; j < length; j++) {
              long index = ((long) h * MAX_LENGTH + i) * MAX_LENGTH + j;
              assertThat(got[o++] * 0x1p26).as("row %d, head %d, (%d, %d)", rowKey, h, i, j).isEqualTo((double) referenceK(ac[0], ac[1], index));
            }
          }
        }
      }
      NDArray states = m.ones(new Shape(1, 3, HIDDEN));
      double[] hidden = masks.fractions(states, false, new long[] {rowKeys[0]}, 0, 9).toDoubleArray();
      long[] ac = TensorDropoutMasks.coefficients(rowKeys[0], 0, 9);
      for (int k = 0; k < hidden.length; k++) {
        assertThat(hidden[k] * 0x1p26).as("element %d", k).isEqualTo((double) referenceK(ac[0], ac[1], k));
      }
    }
  }

  /** Pins the formula (cache contract): a change here must come with a new {@link TensorDropoutMasks#VERSION}. */
  @Test
  void theFormulaIsPinned() {
    assertThat(TensorDropoutMasks.VERSION).isEqualTo("tensor-cube8-muladd26-v1");
    assertThat(new long[] {referenceIndexHash(0), referenceIndexHash(1), referenceIndexHash(12345)}).containsExactly(53519820L, 10430756L, 58415376L);
    assertThat(TensorDropoutMasks.coefficients(1, 2, 3)).containsExactly(9569401L, 65162651L);
    try (NDManager m = manager.newSubManager()) {
      double[] f = masks.fractions(m.ones(new Shape(1, 1, HIDDEN)), false, new long[] {1}, 2, 3).toDoubleArray();
      // (9569401 · 53519820 + 65162651) mod 2^26, by hand: 512152619027820 + 65162651 = 512152684190471, mod 2^26 = 47176455
      assertThat(512152684190471L % (1L << 26)).isEqualTo(47176455L).isEqualTo(referenceK(9569401L, 65162651L, 0));
      assertThat(f[0] * 0x1p26).isEqualTo((double) (512152684190471L % (1L << 26)));
    }
  }

  @Test
  void distinctIndicesHaveDistinctHashes() {
    java.util.Set<Long> seen = new java.util.HashSet<>();
    try (NDManager m = manager.newSubManager()) {
      double[] f = masks.fractions(m.ones(new Shape(1, HEADS, MAX_LENGTH, MAX_LENGTH)), true, new long[] {5}, 0, 1).toDoubleArray();
      for (double v : f) {
        seen.add((long) (v * 0x1p26));
      }
      assertThat(seen).hasSize(f.length);
    }
  }

  // ---- statistics, computed here from the 0/1 drop pattern ----

  private static boolean[] dropped(NDArray x, boolean attention, long[] rowKeys, int pass, long siteSeed, float rate) {
    float[] out = masks.apply(x, attention, rowKeys, pass, siteSeed, rate).toFloatArray();
    boolean[] d = new boolean[out.length];
    for (int i = 0; i < out.length; i++) {
      d[i] = out[i] == 0f;
    }
    return d;
  }

  /** |observed − expected| within 5 standard deviations of a binomial proportion over n trials. */
  private static void assertProportion(String what, long hits, long n, double expected) {
    double sd = Math.sqrt(expected * (1 - expected) / n);
    double observed = (double) hits / n;
    System.out.printf("TensorDropoutMasksTest %s: %.5f (expected %.5f, sd %.5f, n %d)%n", what, observed, expected, sd, n);
    assertThat(Math.abs(observed - expected)).as(what + ": %.5f against %.5f", observed, expected).isLessThan(5 * sd);
  }

  private static long[] keys(int n, long from) {
    long[] k = new long[n];
    for (int i = 0; i < n; i++) {
      k[i] = from + i;
    }
    return k;
  }

  @Test
  void theDropFractionIsTheRateAndKeptValuesAreScaled() {
    for (float rate : new float[] {0.1f, 0.25f, 0.5f}) {
      try (NDManager m = manager.newSubManager()) {
        NDArray x = m.ones(new Shape(32, HEADS, MAX_LENGTH, MAX_LENGTH));
        float[] out = masks.apply(x, true, keys(32, 1000), 0, 77, rate).toFloatArray();
        long drops = 0;
        for (float v : out) {
          if (v == 0f) {
            drops++;
          } else {
            assertThat(v).isEqualTo(DropoutMask.keepScale(rate));
          }
        }
        assertProportion("drop fraction at rate " + rate, drops, out.length, rate);
      }
    }
  }

  @Test
  void theOutputIsXTimesTheMaskInFloat32() {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.randomNormal(new Shape(2, 7, HIDDEN));
      float[] in = x.toFloatArray();
      float[] out = masks.apply(x, false, new long[] {1, 2}, 3, 4, 0.1f).toFloatArray();
      boolean[] keep = masks.fractions(x, false, new long[] {1, 2}, 3, 4).gte(0.1).toBooleanArray();
      for (int i = 0; i < in.length; i++) {
        assertThat(out[i]).isEqualTo(in[i] * (keep[i] ? DropoutMask.keepScale(0.1) : 0f));
      }
      assertThat(masks.apply(x, false, new long[] {1, 2}, 3, 4, 0.1f).getDataType()).isEqualTo(DataType.FLOAT32);
    }
  }

  /** Agreement between two drop patterns of independent masks: rate² + (1 − rate)². */
  private static void assertUncorrelated(String what, boolean[] a, boolean[] b, IntPredicate use, float rate) {
    long agree = 0;
    long n = 0;
    for (int i = 0; i < a.length; i++) {
      if (use.test(i)) {
        agree += a[i] == b[i] ? 1 : 0;
        n++;
      }
    }
    assertProportion(what, agree, n, rate * rate + (1 - rate) * (1 - rate));
  }

  @Test
  void neighbouringElementsRowsPassesAndSitesAreUncorrelated() {
    float rate = 0.3f;
    try (NDManager m = manager.newSubManager()) {
      int rows = 16;
      NDArray att = m.ones(new Shape(rows, HEADS, MAX_LENGTH, MAX_LENGTH));
      boolean[] base = dropped(att, true, keys(rows, 500), 4, 11, rate);
      int width = HEADS * MAX_LENGTH * MAX_LENGTH;
      // the next element, the element below it in the attention grid, the next row key
      boolean[] next = new boolean[base.length];
      boolean[] below = new boolean[base.length];
      for (int i = 0; i + MAX_LENGTH < base.length; i++) {
        next[i] = base[i + 1];
        below[i] = base[i + MAX_LENGTH];
      }
      assertUncorrelated("adjacent indices", base, next, i -> (i + 1) % width != 0, rate);
      assertUncorrelated("adjacent attention rows", base, below, i -> i % width < width - MAX_LENGTH, rate);
      boolean[] nextRow = new boolean[base.length];
      System.arraycopy(base, width, nextRow, 0, base.length - width);
      assertUncorrelated("adjacent row keys", base, nextRow, i -> i < base.length - width, rate);
      assertUncorrelated("adjacent passes", base, dropped(att, true, keys(rows, 500), 5, 11, rate), i -> true, rate);
      assertUncorrelated("adjacent site seeds", base, dropped(att, true, keys(rows, 500), 4, 12, rate), i -> true, rate);
      long[] siteSeeds = {
        SeededDropout.siteSeed(11, DropoutSite.ATTENTION_OUTPUT, 2), SeededDropout.siteSeed(11, DropoutSite.FFN_OUTPUT, 2), SeededDropout.siteSeed(11, DropoutSite.ATTENTION_OUTPUT, 3)
      };
      NDArray states = m.ones(new Shape(rows, MAX_LENGTH, HIDDEN));
      boolean[] first = dropped(states, false, keys(rows, 500), 4, siteSeeds[0], rate);
      assertUncorrelated("two sites of a layer", first, dropped(states, false, keys(rows, 500), 4, siteSeeds[1], rate), i -> true, rate);
      assertUncorrelated("one site of two layers", first, dropped(states, false, keys(rows, 500), 4, siteSeeds[2], rate), i -> true, rate);
      boolean[] nextFeature = new boolean[first.length];
      System.arraycopy(first, 1, nextFeature, 0, first.length - 1);
      assertUncorrelated("adjacent features", first, nextFeature, i -> (i + 1) % HIDDEN != 0, rate);
    }
  }

  // ---- independence of the batch, padding, call and thread ----

  @Test
  void aRowsMaskDependsNeitherOnItsBatchNorOnItsPadding() {
    long key = DropoutMask.rowKey("row-7");
    try (NDManager m = manager.newSubManager()) {
      float[] alone = masks.apply(m.ones(new Shape(1, HEADS, 9, 9)), true, new long[] {key}, 3, 5, 0.1f).toFloatArray();
      NDArray batched = masks.apply(m.ones(new Shape(3, HEADS, 20, 20)), true, new long[] {11, key, 12}, 3, 5, 0.1f);
      assertThat(batched.get(new NDIndex("1, :, :9, :9")).toFloatArray()).containsExactly(alone);
      float[] hiddenAlone = masks.apply(m.ones(new Shape(1, 9, HIDDEN)), false, new long[] {key}, 3, 5, 0.1f).toFloatArray();
      NDArray hiddenBatched = masks.apply(m.ones(new Shape(3, 20, HIDDEN)), false, new long[] {key, 11, 12}, 3, 5, 0.1f);
      assertThat(hiddenBatched.get(new NDIndex("0, :9, :")).toFloatArray()).containsExactly(hiddenAlone);
    }
  }

  @Test
  void callsAndThreadsGiveIdenticalBits() throws Exception {
    long[] rowKeys = keys(4, 90);
    java.util.concurrent.Callable<float[]> draw = () -> {
      try (NDManager m = manager.newSubManager()) {
        return masks.apply(m.ones(new Shape(4, HEADS, 33, 33)), true, rowKeys, 1, 2, 0.1f).toFloatArray();
      }
    };
    float[] first = draw.call();
    assertThat(draw.call()).containsExactly(first);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<float[]> a = pool.submit(draw);
      Future<float[]> b = pool.submit(draw);
      assertThat(a.get()).containsExactly(first);
      assertThat(b.get()).containsExactly(first);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aTableOnAnotherManagerDrawsTheSameMasks() {
    try (NDManager other = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        TensorDropoutMasks again = TensorDropoutMasks.create(other, MAX_LENGTH, HEADS, HIDDEN);
        NDManager m = manager.newSubManager()) {
      NDArray x = m.ones(new Shape(2, 10, HIDDEN));
      assertThat(again.apply(x, false, new long[] {3, 4}, 0, 1, 0.1f).toFloatArray()).containsExactly(masks.apply(x, false, new long[] {3, 4}, 0, 1, 0.1f).toFloatArray());
    }
  }

  // ---- the rules, stated with the bad value ----

  @Test
  void badShapesAndArgumentsAreRefusedWithTheRule() {
    try (NDManager m = manager.newSubManager()) {
      assertThatThrownBy(() -> masks.apply(m.ones(new Shape(1, HEADS, 65, 65)), true, new long[] {1}, 0, 0, 0.1f))
          .hasMessageContaining("length 65 must be in [1, the maximum length 64]");
      assertThatThrownBy(() -> masks.apply(m.ones(new Shape(1, 4, 8, 8)), true, new long[] {1}, 0, 0, 0.1f))
          .hasMessageContaining("attention masks need [batch, 12, length, length], got (1, 4, 8, 8)");
      assertThatThrownBy(() -> masks.apply(m.ones(new Shape(1, 8, 100)), false, new long[] {1}, 0, 0, 0.1f))
          .hasMessageContaining("hidden-state masks need [batch, length, 384], got (1, 8, 100)");
      assertThatThrownBy(() -> masks.apply(m.ones(new Shape(2, 8, HIDDEN)), false, new long[] {1}, 0, 0, 0.1f))
          .hasMessageContaining("a batch of 2 rows, 1 row keys");
      assertThatThrownBy(() -> masks.apply(m.ones(new Shape(1, 8, HIDDEN)), false, new long[] {1}, -1, 0, 0.1f))
          .hasMessageContaining("pass must be >= 0, got: -1");
      assertThatThrownBy(() -> masks.apply(m.ones(new Shape(1, 8, HIDDEN)), false, new long[] {1}, 0, 0, 1f))
          .hasMessageContaining("rate must be in [0, 1), got: 1.0");
    }
    assertThatThrownBy(() -> TensorDropoutMasks.create(manager, 4096, 12, 384))
        .hasMessageContaining("at most 67108859 elements per row, the grid of 4096 tokens, 12 heads and width 384 has 201326592");
    assertThatThrownBy(() -> TensorDropoutMasks.create(manager, 0, 12, 384)).hasMessageContaining("must be >= 1, got 0, 12, 384");
  }

  // ---- the policy ----

  @Test
  void thePolicyKeepsTheHeadsJavaMaskAndTheSitesOfSeededDropout() {
    long[] rowKeys = {DropoutMask.rowKey("a"), DropoutMask.rowKey("b")};
    TensorSeededDropout tensor = new TensorSeededDropout(masks, rowKeys, 2, 99, 5, MAX_LENGTH);
    SeededDropout java = new SeededDropout(rowKeys, 2, 99, 5, MAX_LENGTH);
    try (NDManager m = manager.newSubManager()) {
      NDArray features = m.randomNormal(new Shape(2, HIDDEN));
      assertThat(tensor.apply(features, DropoutSite.HEAD, -1, 0.1f).toFloatArray()).containsExactly(java.apply(features, DropoutSite.HEAD, -1, 0.1f).toFloatArray());
      float[] head0 = DropoutMask.mask(rowKeys[0], 2, 99, HIDDEN, 0.1);
      float[] in = features.toFloatArray();
      float[] out = tensor.apply(features, DropoutSite.HEAD, -1, 0.1f).toFloatArray();
      for (int j = 0; j < HIDDEN; j++) {
        assertThat(out[j]).isEqualTo(in[j] * head0[j]);
      }
      NDArray states = m.ones(new Shape(2, 8, HIDDEN));
      for (DropoutSite site : DropoutSite.values()) {
        for (int layer : new int[] {-1, 4, 5}) {
          assertThat(tensor.active(site, layer)).as("%s %d", site, layer).isEqualTo(java.active(site, layer));
        }
      }
      assertThat(tensor.apply(states, DropoutSite.FFN_OUTPUT, 4, 0.1f)).isSameAs(states);
      assertThat(tensor.apply(states, DropoutSite.EMBEDDINGS, -1, 0.1f)).isSameAs(states);
      assertThat(tensor.apply(states, DropoutSite.FFN_OUTPUT, 5, 0f)).isSameAs(states);
      float[] masked = tensor.apply(states, DropoutSite.FFN_OUTPUT, 5, 0.1f).toFloatArray();
      float[] expected = masks.apply(states, false, rowKeys, 2, SeededDropout.siteSeed(99, DropoutSite.FFN_OUTPUT, 5), 0.1f).toFloatArray();
      assertThat(masked).containsExactly(expected);
    }
  }
}
