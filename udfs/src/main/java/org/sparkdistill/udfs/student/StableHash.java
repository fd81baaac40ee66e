package org.sparkdistill.udfs.student;

import java.nio.charset.StandardCharsets;

/**
 * A seeded 64-bit hash of UTF-8 bytes that never changes across JVMs, platforms or releases
 * (unlike {@link String#hashCode()}), written out so other languages can reproduce it:
 *
 * <pre>
 *   h = 0xcbf29ce484222325 XOR mix(seed)            // FNV-1a offset basis, seeded
 *   for each byte b of UTF-8(text): h = (h XOR b) * 0x100000001b3   (mod 2^64)   // FNV-1a
 *   return mix(h)
 *   mix(z): z = (z XOR (z >>> 30)) * 0xbf58476d1ce4e5b9;
 *           z = (z XOR (z >>> 27)) * 0x94d049bb133111eb;
 *           return z XOR (z >>> 31)                  // SplitMix64's finaliser
 * </pre>
 */
public final class StableHash {

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private StableHash() {}

  public static long hash(String text, long seed) {
    return hash(text.getBytes(StandardCharsets.UTF_8), seed);
  }

  public static long hash(byte[] bytes, long seed) {
    long h = FNV_OFFSET ^ mix(seed);
    for (byte b : bytes) {
      h = (h ^ (b & 0xff)) * FNV_PRIME;
    }
    return mix(h);
  }

  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
