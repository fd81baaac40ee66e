package org.sparkdistill.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reading numbers out of the nested maps of {@code metrics.json}, and formatting them. */
public final class Figures {
  private Figures() {}

  /** The value at {@code path} (map keys), or null where any step is missing. */
  @SuppressWarnings("unchecked")
  public static Object at(Map<String, Object> map, String... path) {
    Object v = map;
    for (String key : path) {
      if (!(v instanceof Map<?, ?> m)) {
        return null;
      }
      v = ((Map<String, Object>) m).get(key);
    }
    return v;
  }

  /** The number at {@code path}, or NaN. */
  public static double num(Map<String, Object> map, String... path) {
    return at(map, path) instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** The map at {@code path}, or an empty map. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> map(Map<String, Object> map, String... path) {
    return at(map, path) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /** The list at {@code path}, or an empty list. */
  @SuppressWarnings("unchecked")
  public static <T> List<T> list(Map<String, Object> map, String... path) {
    return at(map, path) instanceof List<?> l ? (List<T>) l : List.of();
  }

  /** Four decimals, or "n/a". */
  public static String f4(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
  }

  /** Three decimals, or "n/a". */
  public static String f3(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
  }

  /** One decimal with thousands separators, or "n/a". */
  public static String f1(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.1f", v);
  }

  /** An integer with thousands separators, or "n/a". */
  public static String count(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,d", Math.round(v));
  }

  /** A signed difference with three decimals. */
  public static String signed(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.3f", v);
  }
}
