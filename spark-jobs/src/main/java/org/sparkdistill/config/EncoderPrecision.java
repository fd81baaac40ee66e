package org.sparkdistill.config;

import java.util.Locale;

/**
 * Which file of the encoder runs ({@code encoder.precision}). Both are the same all-MiniLM-L6-v2
 * network: {@code fp32} is {@code encoder.model}; {@code int8} is {@code encoder.int8Model}, its
 * dynamically quantized export (int8 weights, activations quantized per call), about 2.4x faster
 * on one CPU core for under a point of teacher accuracy (README, "Performance"). The manifest
 * records the precision and the file's sha256, so an int8 cache is never taken for an fp32 one.
 */
public enum EncoderPrecision {
  FP32,
  INT8;

  public static EncoderPrecision parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("encoder.precision must be one of fp32, int8, got: " + value);
    }
  }

  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }
}
