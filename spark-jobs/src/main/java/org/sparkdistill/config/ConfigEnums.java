package org.sparkdistill.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How an enum constant is spelled in configuration, manifests and messages: lower case, with
 * {@code -} for {@code _} ({@code DEBIAN_JSONL} is {@code debian-jsonl}). Parsing ignores case and
 * accepts {@code _} for {@code -}, so {@code Torchscript} and {@code debian_jsonl} are accepted.
 */
public final class ConfigEnums {
  private ConfigEnums() {}

  /** The configuration spelling of {@code value}. */
  public static String name(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Every constant of {@code type} in its configuration spelling, in declaration order. */
  public static List<String> names(Class<?> type) {
    List<String> out = new ArrayList<>();
    for (Object constant : type.getEnumConstants()) {
      out.add(name((Enum<?>) constant));
    }
    return out;
  }

  /**
   * The constant of {@code type} spelled {@code text}.
   *
   * @param key the setting, named in the error
   * @throws IllegalArgumentException naming the key, the bad value and the valid values
   */
  public static <E extends Enum<E>> E parse(Class<E> type, String key, String text) {
    E found = find(type, text);
    if (found == null) {
      throw new IllegalArgumentException(key + " must be one of " + names(type) + ", got: '" + text + "'");
    }
    return found;
  }

  /** The constant spelled {@code text}, or null. */
  static <E extends Enum<E>> E find(Class<E> type, String text) {
    if (text == null) {
      return null;
    }
    String wanted = text.trim().replace('_', '-');
    for (E constant : type.getEnumConstants()) {
      if (name(constant).equalsIgnoreCase(wanted)) {
        return constant;
      }
    }
    return null;
  }
}
