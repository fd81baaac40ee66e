package org.sparkdistill.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting of {@link DistillConfig}, found by reflection over its public fields: a field whose
 * type is a settings class nested in {@code DistillConfig} is a group, every other public field a
 * setting, keyed by its dotted path ({@code data.split.seed}). That path is the YAML key, the
 * {@code --set} key and the manifest key ({@code StagePlan.settings(config, keys...)}); defaults
 * are the values of a fresh {@code new DistillConfig()}; documentation and single-field rules come
 * from each field's {@link Setting}.
 *
 * <p>Cost: the key table is built once per JVM (a few dozen fields); {@link #value} walks at most
 * four fields.
 */
public final class Settings {
  /** One setting: its dotted key and the fields from the root to it. */
  public record Entry(String key, List<Field> path) {
    /** The leaf field. */
    public Field field() {
      return path.get(path.size() - 1);
    }

    /** The field's annotation; null on a field nobody annotated (a test forbids that). */
    public Setting setting() {
      return field().getAnnotation(Setting.class);
    }
  }

  /** A broken single-field rule: the key, the rule the value breaks and the value. */
  public record Violation(String key, String rule, Object value) {
    /** {@code encoder.maxLength must be >= 1, got: 0}. */
    public String message() {
      return key + " must " + rule + ", got: " + text(value);
    }
  }

  private static final Map<String, Entry> ENTRIES = Collections.unmodifiableMap(scan());

  private Settings() {}

  /** Every setting in declaration order (own fields of a group before inherited ones). */
  public static Collection<Entry> entries() {
    return ENTRIES.values();
  }

  /** The setting keyed {@code key} (e.g. {@code encoder.maxLength}), if there is one. */
  public static Optional<Entry> entry(String key) {
    return Optional.ofNullable(ENTRIES.get(key));
  }

  /**
   * The current value of {@code key} in {@code config}.
   *
   * @throws IllegalArgumentException when no setting is keyed {@code key}
   */
  public static Object value(DistillConfig config, String key) {
    Entry entry = ENTRIES.get(key);
    if (entry == null) {
      throw new IllegalArgumentException("no setting is keyed '" + key + "' (spark-distill config lists them)");
    }
    Object node = config;
    try {
      for (Field field : entry.path()) {
        if (node == null) {
          return null;
        }
        node = field.get(node);
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read setting " + key, e);
    }
    return node;
  }

  /** A value as manifests and messages show it: enums in their configuration spelling. */
  public static String text(Object value) {
    if (value instanceof Enum<?> e) {
      return ConfigEnums.name(e);
    }
    return String.valueOf(value);
  }

  /** Every single-field rule that {@code config} breaks, in key order of declaration. */
  public static List<Violation> validate(DistillConfig config) {
    List<Violation> out = new ArrayList<>();
    for (Entry entry : ENTRIES.values()) {
      Setting rule = entry.setting();
      if (rule == null) {
        continue;
      }
      Object value = value(config, entry.key());
      Field field = entry.field();
      if (value == null) {
        if (!rule.nullable()) {
          out.add(new Violation(entry.key(), "be set", null));
        }
        continue;
      }
      if (value instanceof Number n) {
        String broken = numberRule(rule, n, isIntegral(field.getType()));
        if (broken != null) {
          out.add(new Violation(entry.key(), broken, value));
        }
      } else if (value instanceof String s) {
        if (rule.nonBlank() && s.isBlank()) {
          out.add(new Violation(entry.key(), "not be blank", "'" + s + "'"));
        }
      } else if (value instanceof List<?> list) {
        for (Object element : list) {
          String broken =
              element == null ? "not contain null" : element instanceof Number n ? numberRule(rule, n, !(n instanceof Double || n instanceof Float)) : null;
          if (broken != null) {
            out.add(new Violation(entry.key(), (element == null ? "" : "have every element ") + broken, value));
            break;
          }
        }
      }
    }
    return out;
  }

  /** The broken bound of {@code rule} for {@code n} ("be >= 1", "be in [0, 1)"), or null. */
  private static String numberRule(Setting rule, Number n, boolean integral) {
    double v = n.doubleValue();
    if (!integral && !Double.isFinite(v)) {
      return "be a finite number";
    }
    boolean low = Double.isInfinite(rule.min()) || (rule.minExclusive() ? v > rule.min() : v >= rule.min());
    boolean high = Double.isInfinite(rule.max()) || (rule.maxExclusive() ? v < rule.max() : v <= rule.max());
    return low && high ? null : "be " + bounds(rule);
  }

  /** The allowed range of {@code rule} as text, or "" when unbounded. */
  static String bounds(Setting rule) {
    boolean hasMin = !Double.isInfinite(rule.min());
    boolean hasMax = !Double.isInfinite(rule.max());
    if (hasMin && hasMax) {
      return "in " + (rule.minExclusive() ? "(" : "[") + number(rule.min()) + ", " + number(rule.max()) + (rule.maxExclusive() ? ")" : "]");
    }
    if (hasMin) {
      return (rule.minExclusive() ? "> " : ">= ") + number(rule.min());
    }
    if (hasMax) {
      return (rule.maxExclusive() ? "< " : "<= ") + number(rule.max());
    }
    return "";
  }

  private static String number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  private static boolean isIntegral(Class<?> type) {
    return type == int.class || type == long.class || type == Integer.class || type == Long.class || type == short.class || type == Short.class;
  }

  /** What a value of {@code entry} must look like, for type errors: "an integer", "one of [a, b]". */
  public static String expected(Entry entry) {
    Field field = entry.field();
    Class<?> type = field.getType();
    if (List.class.isAssignableFrom(type)) {
      return "a list (YAML [a, b] or comma-separated a,b) of " + plural(elementType(field));
    }
    return expected(type);
  }

  /** What a value of {@code type} must look like. */
  public static String expected(Class<?> type) {
    if (type.isEnum()) {
      return "one of " + ConfigEnums.names(type);
    }
    if (isIntegral(type)) {
      return "an integer";
    }
    if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (Map.class.isAssignableFrom(type)) {
      return "a mapping of keys to values";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "a " + type.getSimpleName();
  }

  private static String plural(Class<?> element) {
    if (element == null || element == String.class) {
      return "strings";
    }
    if (isIntegral(element)) {
      return "integers";
    }
    if (element.isEnum()) {
      return "values from " + ConfigEnums.names(element);
    }
    return "numbers";
  }

  private static Class<?> elementType(Field field) {
    Type generic = field.getGenericType();
    if (generic instanceof ParameterizedType p && p.getActualTypeArguments()[0] instanceof Class<?> c) {
      return c;
    }
    return null;
  }

  /** A short name of {@code entry}'s type for {@link #describe}: int, string, list of long, ... */
  static String typeName(Entry entry) {
    Field field = entry.field();
    Class<?> type = field.getType();
    if (type.isEnum()) {
      return String.join("|", ConfigEnums.names(type));
    }
    if (List.class.isAssignableFrom(type)) {
      Class<?> e = elementType(field);
      return "list of " + (e == null ? "?" : simple(e));
    }
    if (Map.class.isAssignableFrom(type)) {
      return "map";
    }
    return simple(type);
  }

  private static String simple(Class<?> type) {
    if (type == String.class) {
      return "string";
    }
    if (type == Integer.class) {
      return "int";
    }
    return type.getSimpleName().toLowerCase(Locale.ROOT);
  }

  /**
   * Every setting with its type, default, rule and documentation, one block per key, for {@code
   * spark-distill config}.
   */
  public static String describe() {
    DistillConfig defaults = new DistillConfig();
    StringBuilder out = new StringBuilder();
    out.append("Every setting: YAML key (nested), --set key=value, and the manifest key are the same dotted name.\n");
    out.append("Lists take YAML [a, b] or a,b; enums ignore case.\n\n");
    for (Entry entry : ENTRIES.values()) {
      Setting s = entry.setting();
      String rule = s == null ? "" : bounds(s);
      if (s != null && s.nonBlank()) {
        rule = "non-blank";
      }
      out.append(entry.key())
          .append("  (")
          .append(typeName(entry))
          .append(rule.isEmpty() ? "" : ", " + rule)
          .append(")  default: ")
          .append(defaultText(value(defaults, entry.key())))
          .append('\n');
      out.append("    ").append(s == null ? "(undocumented)" : s.doc()).append('\n');
    }
    return out.toString();
  }

  private static String defaultText(Object value) {
    if (value instanceof String s && s.isEmpty()) {
      return "\"\"";
    }
    return text(value);
  }

  private static Map<String, Entry> scan() {
    Map<String, Entry> out = new LinkedHashMap<>();
    scan(DistillConfig.class, "", new ArrayList<>(), out);
    return out;
  }

  private static void scan(Class<?> type, String prefix, List<Field> path, Map<String, Entry> out) {
    for (Field field : publicFields(type)) {
      List<Field> here = new ArrayList<>(path);
      here.add(field);
      String key = prefix + field.getName();
      if (isGroup(field.getType())) {
        scan(field.getType(), key + ".", here, out);
      } else {
        out.put(key, new Entry(key, List.copyOf(here)));
      }
    }
  }

  /** Public instance fields, a class's own before those it inherits. */
  private static List<Field> publicFields(Class<?> type) {
    List<Field> out = new ArrayList<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        int m = f.getModifiers();
        if (Modifier.isPublic(m) && !Modifier.isStatic(m)) {
          out.add(f);
        }
      }
    }
    return out;
  }

  /** A settings class nested in {@link DistillConfig} (not an enum). */
  static boolean isGroup(Class<?> type) {
    return !type.isEnum() && type.getEnclosingClass() == DistillConfig.class;
  }
}
