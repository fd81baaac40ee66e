package org.sparkdistill.udfs.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hashing stand-in encoder against its documented formula, re-implemented here. */
class HashingEncodePartitionsTest {
  /** FNV-1a over UTF-8 with a SplitMix64-seeded basis and finaliser, as StableHash documents it. */
  private static long referenceHash(String word, long seed) {
    long h = 0xcbf29ce484222325L ^ splitMix(seed);
    for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    return splitMix(h);
  }

  private static long splitMix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Test
  void wordsAreLowerCasedRunsOfLettersAndDigits() {
    assertThat(HashingEncodePartitions.words("Hello, hello WORLD!  café-2 ")).containsExactly("hello", "hello", "world", "café", "2");
    assertThat(HashingEncodePartitions.words(" -- ")).isEmpty();
  }

  @Test
  void vectorFollowsTheSignedHashingTrick() {
    int dim = 1_000_003; // a prime this large keeps the two words apart
    long seed = 5;
    long hello = referenceHash("hello", seed);
    long world = referenceHash("world", seed);
    int iHello = (int) Math.floorMod(hello, (long) dim);
    int iWorld = (int) Math.floorMod(world, (long) dim);
    assertThat(iHello).isNotEqualTo(iWorld);
    double sHello = ((hello >>> 32) & 1) == 0 ? 1 : -1;
    double sWorld = ((world >>> 32) & 1) == 0 ? 1 : -1;
    float[] v = HashingEncodePartitions.features(List.of("hello", "hello", "world"), dim, seed);
    // (2 s_hello, s_world) / sqrt(5)
    assertThat((double) v[iHello]).isCloseTo(2 * sHello / Math.sqrt(5), within(1e-7));
    assertThat((double) v[iWorld]).isCloseTo(sWorld / Math.sqrt(5), within(1e-7));
    int nonZero = 0;
    for (float x : v) {
      nonZero += x != 0 ? 1 : 0;
    }
    assertThat(nonZero).isEqualTo(2);
    assertThat(HashingEncodePartitions.features(List.of(), 8, seed)).containsOnly(0f);
  }
}
