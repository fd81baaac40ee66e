package org.sparkdistill.udfs.schema;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The four splits of a prepared dataset. {@link #TRANSFER} rows carry no label: the prepare
 * stage drops it before anything is written, so no later stage can see it.
 */
public enum Split {
  TRAIN("train"),
  VALIDATION("validation"),
  TRANSFER("transfer"),
  TEST("test");

  private final String value;

  Split(String value) {
    this.value = value;
  }

  /** The value stored in the {@code split} column. */
  public String value() {
    return value;
  }

  public static Split parse(String value) {
    for (Split split : values()) {
      if (split.value.equals(value)) {
        return split;
      }
    }
    throw new IllegalArgumentException(
        String.format(
            Locale.ROOT,
            "split must be one of %s, got: %s",
            Arrays.stream(values()).map(Split::value).collect(Collectors.toList()),
            value));
  }
}
