package org.sparkdistill.udfs.model;

import java.util.Locale;

/** How the token vectors of one text become its sentence vector. */
public enum Pooling {
  /** Mean of the token vectors under the attention mask (what all-MiniLM-L6-v2 was trained with). */
  MEAN,
  /** The first token's vector ([CLS]). */
  CLS;

  public static Pooling parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("pooling must be one of mean, cls, got: " + value);
    }
  }

  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }
}
