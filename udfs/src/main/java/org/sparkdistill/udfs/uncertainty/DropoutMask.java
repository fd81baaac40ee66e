package org.sparkdistill.udfs.uncertainty;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Deterministic inverted-dropout masks keyed by (row key, pass, seed).
 *
 * <p>Each element is 0 with probability {@code rate} and {@code 1/(1 − rate)} otherwise, so the
 * expected value of a masked feature equals the unmasked one (the convention of PyTorch and DJL:
 * no rescaling is needed at inference with dropout off).
 *
 * <p>The three key values are combined with SplitMix64 finalisers (Stafford's "Mix13") into the
 * seed of a fresh {@link SplittableRandom}, so adjacent row keys, passes or seeds give
 * statistically independent masks, and the mask for a row never depends on which other rows
 * were scored, in what order, or on which thread. Cost per mask: O(width) time, one
 * {@code nextDouble()} per element; {@link #applyInPlace} avoids allocating the mask.
 *
 * <p><b>Cache contract.</b> {@link #rowKey(String)}, the key mixing and the element sampling
 * below decide which numbers are written for a row. Changing any of them changes every cached MC
 * dropout result; tests pin their outputs. Treat a change as a new cache version.
 */
public final class DropoutMask {

  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
  private static final long ROW_SALT = 0xD1B54A32D192ED03L;
  private static final long PASS_SALT = 0xA0761D6478BD642FL;

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(DropoutMask::newSha256);

  private DropoutMask() {}

  /**
   * Stable 64-bit key for a row id: the first 8 bytes, big-endian, of SHA-256 over the id's
   * UTF-8 bytes. Identical on every JVM and version; part of the cache contract (see class
   * docs). Cost: one SHA-256 over the id (~hundreds of ns for short ids), no allocation beyond
   * the UTF-8 encoding and the digest output.
   */
  public static long rowKey(String id) {
    Objects.requireNonNull(id, "id must not be null");
    MessageDigest sha = SHA256.get();
    sha.reset();
    byte[] digest = sha.digest(id.getBytes(StandardCharsets.UTF_8));
    long key = 0L;
    for (int i = 0; i < Long.BYTES; i++) {
      key = (key << 8) | (digest[i] & 0xFFL);
    }
    return key;
  }

  /**
   * A new inverted-dropout mask.
   *
   * @param rowKey typically {@link #rowKey(String)} of the row id
   * @param pass MC pass index, ≥ 0
   * @param seed run-level seed; change it to draw a different, equally reproducible, set of masks
   * @param width number of features, ≥ 0
   * @param rate dropout probability in [0, 1); 0 gives all ones
   * @return {@code width} values, each 0 or {@code (float) (1 / (1 − rate))}
   */
  public static float[] mask(long rowKey, int pass, long seed, int width, double rate) {
    checkArguments(pass, width, rate);
    float[] mask = new float[width];
    SplittableRandom random = new SplittableRandom(mixKey(rowKey, pass, seed));
    float keep = keepScale(rate);
    for (int i = 0; i < width; i++) {
      mask[i] = random.nextDouble() < rate ? 0f : keep;
    }
    return mask;
  }

  /**
   * Multiplies {@code features} element-wise by {@link #mask(long, int, long, int, double)
   * mask(rowKey, pass, seed, features.length, rate)} in place, without allocating the mask.
   * The result is bit-identical to {@code features[i] * mask[i]} in float arithmetic.
   *
   * @return {@code features}, for chaining
   */
  public static float[] applyInPlace(
      float[] features, long rowKey, int pass, long seed, double rate) {
    Objects.requireNonNull(features, "features must not be null");
    checkArguments(pass, features.length, rate);
    SplittableRandom random = new SplittableRandom(mixKey(rowKey, pass, seed));
    float keep = keepScale(rate);
    for (int i = 0; i < features.length; i++) {
      features[i] *= random.nextDouble() < rate ? 0f : keep;
    }
    return features;
  }

  /**
   * The positions that {@link #mask(long, int, long, int, double) mask(rowKey, pass, seed,
   * width, rate)} sets to 0, in ascending order, written to the front of {@code out}; the rest of
   * the mask is {@code 1/(1 − rate)}. Same draws as {@code mask}, without materialising it: a
   * caller whose work is linear in the input (a linear layer) can then subtract the dropped
   * inputs' share instead of recomputing the kept ones, about {@code rate}·d instead of d.
   *
   * @param out room for {@code width} indices
   * @return how many positions were dropped
   */
  public static int dropped(long rowKey, int pass, long seed, int width, double rate, int[] out) {
    Objects.requireNonNull(out, "out must not be null");
    checkArguments(pass, width, rate);
    if (out.length < width) {
      throw new IllegalArgumentException("out must have room for width " + width + " indices, got length " + out.length);
    }
    SplittableRandom random = new SplittableRandom(mixKey(rowKey, pass, seed));
    int n = 0;
    for (int i = 0; i < width; i++) {
      if (random.nextDouble() < rate) {
        out[n++] = i;
      }
    }
    return n;
  }

  /** The value of a kept position in an inverted-dropout mask, {@code (float) (1 / (1 − rate))}. */
  public static float keepScale(double rate) {
    if (!(rate >= 0.0 && rate < 1.0)) {
      throw new IllegalArgumentException("rate must be in [0, 1), got: " + rate);
    }
    return (float) (1.0 / (1.0 - rate));
  }

  /** Seed of the per-(row, pass, seed) generator. Part of the cache contract. */
  static long mixKey(long rowKey, int pass, long seed) {
    long h = mix64(seed + GOLDEN_GAMMA);
    h = mix64(h ^ (rowKey + ROW_SALT));
    return mix64(h ^ (pass + PASS_SALT));
  }

  /** SplitMix64 finaliser (Stafford's Mix13): a bijection with full avalanche. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static void checkArguments(int pass, int width, double rate) {
    if (pass < 0) {
      throw new IllegalArgumentException("pass must be >= 0, got: " + pass);
    }
    if (width < 0) {
      throw new IllegalArgumentException("width must be >= 0, got: " + width);
    }
    if (!(rate >= 0.0 && rate < 1.0)) {
      throw new IllegalArgumentException("rate must be in [0, 1), got: " + rate);
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform is required to provide SHA-256.
      throw new IllegalStateException("SHA-256 is not available on this JVM", e);
    }
  }
}
