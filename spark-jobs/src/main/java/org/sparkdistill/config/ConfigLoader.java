package org.sparkdistill.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Reads a YAML config, applies {@code key=value} overrides and validates the result: every
 * single-field rule declared with {@link Setting} ({@link Settings#validate}), enum values (their
 * type lists the valid ones) and the rules that relate several fields, here.
 *
 * <p>Errors name their source: a type error or unknown key that came from {@code --set} quotes
 * the override ({@code --set encoder.maxLength=abc: expected an integer, got 'abc'}), one from the
 * file names the file and key.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = mapper();

  private ConfigLoader() {}

  private static ObjectMapper mapper() {
    ObjectMapper m =
        new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    // An empty value is not 0, false or an empty string: it is an error naming the key.
    for (LogicalType t : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean, LogicalType.Enum)) {
      m.coercionConfigFor(t).setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    }
    SimpleModule enums = new SimpleModule("config-enums");
    enums.setDeserializerModifier(
        new BeanDeserializerModifier() {
          @Override
          public JsonDeserializer<?> modifyEnumDeserializer(DeserializationConfig config, JavaType type, BeanDescription beanDesc, JsonDeserializer<?> deserializer) {
            return new EnumDeserializer(type.getRawClass());
          }
        });
    return m.registerModule(enums);
  }

  /**
   * Loads {@code file} (null: defaults only) and applies {@code overrides}, each {@code
   * dotted.path=value}; list settings take YAML ({@code curve.seeds=[1,2]}) or comma-separated
   * values ({@code data.labels=a,b}).
   *
   * @throws IllegalArgumentException naming the file or override, key and value that is wrong
   */
  public static DistillConfig load(Path file, List<String> overrides) {
    ObjectNode tree;
    try {
      if (file == null) {
        tree = YAML.createObjectNode();
      } else {
        if (!Files.isRegularFile(file)) {
          throw new IllegalArgumentException("config file does not exist: " + file + ConfigSource.CLUSTER_HINT);
        }
        JsonNode node = YAML.readTree(file.toFile());
        tree = node instanceof ObjectNode ? (ObjectNode) node : YAML.createObjectNode();
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("config file " + file + " is not valid YAML: " + e.getMessage(), e);
    }
    return fromTree(tree, file == null ? null : file.toString(), overrides);
  }

  /**
   * Loads the config at {@code location}: a local path, or a Hadoop URI ({@code hdfs://}, {@code
   * s3a://}, {@code file:/}, ...) read through Hadoop's FileSystem (see {@link ConfigSource}), so
   * a cluster-mode driver can read a config that is not on its node's disk.
   */
  public static DistillConfig load(String location, List<String> overrides) {
    if (location == null || !ConfigSource.isUri(location)) {
      return load(location == null ? null : Path.of(location), overrides);
    }
    ObjectNode tree;
    try {
      JsonNode node = YAML.readTree(ConfigSource.read(location));
      tree = node instanceof ObjectNode ? (ObjectNode) node : YAML.createObjectNode();
    } catch (IOException e) {
      throw new IllegalArgumentException("config file " + location + " is not valid YAML: " + e.getMessage(), e);
    }
    return fromTree(tree, location, overrides);
  }

  private static DistillConfig fromTree(ObjectNode tree, String file, List<String> overrides) {
    // Dotted key -> the override text that set it, to blame errors on --set rather than the file.
    Map<String, String> fromOverrides = new LinkedHashMap<>();

    for (String override : overrides) {
      fromOverrides.put(apply(tree, override), override);
    }
    DistillConfig config;
    try {
      config = YAML.readerFor(DistillConfig.class).readValue((JsonNode) tree);
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException(unknownKey(e, file, fromOverrides), e);
    } catch (JsonMappingException e) {
      throw new IllegalArgumentException(typeError(e, tree, file, fromOverrides), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("config " + (file == null ? "overrides" : file) + ": " + e.getMessage(), e);
    }
    // A config with a kg section and no data section describes a knowledge graph run (conf/pmd-wn18rr.yaml):
    // no text stage reads data.*, so its label set is not required here (PrepareStage refuses an empty one).
    validate(config, file == null, tree.has("kg") && !tree.has("data"));
    return config;
  }

  /** Applies one {@code key=value} to {@code tree}; returns the dotted key. */
  private static String apply(ObjectNode tree, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("override must be key=value (e.g. encoder.maxLength=64), got: " + override);
    }
    String key = override.substring(0, eq).trim();
    String[] keys = key.split("\\.");
    String value = override.substring(eq + 1);
    ObjectNode node = tree;
    for (int i = 0; i < keys.length - 1; i++) {
      // spark.conf keys contain dots themselves: the rest of the key is one map key.
      if (keys[i].equals("conf") && i > 0 && keys[i - 1].equals("spark")) {
        ObjectNode conf = node.with("conf");
        conf.set(String.join(".", Arrays.copyOfRange(keys, i + 1, keys.length)), TextNode.valueOf(value));
        return key;
      }
      JsonNode child = node.get(keys[i]);
      node = child instanceof ObjectNode o ? o : node.putObject(keys[i]);
    }
    String last = keys[keys.length - 1];
    boolean list = Settings.entry(key).map(e -> List.class.isAssignableFrom(e.field().getType())).orElse(false);
    if (value.trim().startsWith("[")) {
      try {
        node.set(last, YAML.readTree(value));
      } catch (IOException e) {
        throw new IllegalArgumentException("--set " + override + ": the value is not a YAML list: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
      }
    } else if (list) {
      ArrayNode array = node.putArray(last);
      for (String element : value.split(",")) {
        if (!element.isBlank()) {
          array.add(element.trim());
        }
      }
    } else {
      node.set(last, TextNode.valueOf(value));
    }
    return key;
  }

  /** The override that set {@code key} (or a key above or below it), if any. */
  private static Optional<String> override(String key, Map<String, String> fromOverrides) {
    for (Map.Entry<String, String> o : fromOverrides.entrySet()) {
      String k = o.getKey();
      if (k.equals(key) || key.startsWith(k + ".") || k.startsWith(key + ".")) {
        return Optional.of(o.getValue());
      }
    }
    return Optional.empty();
  }

  private static String unknownKey(UnrecognizedPropertyException e, String file, Map<String, String> fromOverrides) {
    List<String> parts = fieldNames(e);
    String parent = String.join(".", parts.subList(0, parts.size() - 1));
    String key = String.join(".", parts);
    TreeSet<String> known = new TreeSet<>();
    if (e.getKnownPropertyIds() != null) {
      e.getKnownPropertyIds().forEach(id -> known.add(String.valueOf(id)));
    }
    String valid = " (valid keys " + (parent.isEmpty() ? "at the top level" : "under " + parent) + ": " + String.join(", ", known) + ")";
    String what = "unknown config key '" + e.getPropertyName() + "'" + (parent.isEmpty() ? "" : " under " + parent);
    return override(key, fromOverrides)
        .map(o -> "--set " + o + ": " + what + valid)
        .orElseGet(() -> what + " at " + key + " in " + (file == null ? "the built-in defaults" : "config file " + file) + valid);
  }

  private static String typeError(JsonMappingException e, ObjectNode tree, String file, Map<String, String> fromOverrides) {
    List<String> parts = fieldNames(e);
    String key = String.join(".", parts);
    Optional<Settings.Entry> entry = Settings.entry(key);
    String expected;
    if (e instanceof InvalidFormatException f && f.getTargetType() != null && (f.getTargetType().isEnum() || entry.isEmpty())) {
      expected = Settings.expected(f.getTargetType());
    } else if (entry.isPresent()) {
      expected = Settings.expected(entry.get());
    } else {
      expected = "another value";
    }
    String got = badValue(e, tree);
    String message = "expected " + expected + ", got " + got;
    return override(key, fromOverrides)
        .map(o -> "--set " + o + ": " + message)
        .orElseGet(() -> (file == null ? "configuration" : "config file " + file) + ", key " + key + ": " + message);
  }

  /** The offending value as written: the element or scalar Jackson rejected, quoted. */
  private static String badValue(JsonMappingException e, ObjectNode tree) {
    if (e instanceof InvalidFormatException f && f.getValue() != null) {
      return "'" + f.getValue() + "'";
    }
    StringBuilder pointer = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      pointer.append('/').append(ref.getFieldName() != null ? ref.getFieldName().replace("~", "~0").replace("/", "~1") : ref.getIndex());
    }
    JsonNode node = tree.at(JsonPointer.compile(pointer.length() == 0 ? "" : pointer.toString()));
    if (node == null || node.isMissingNode()) {
      return "an unreadable value";
    }
    if (node.isNull()) {
      return "null (an empty value)";
    }
    if (node.isObject()) {
      return "a mapping " + node;
    }
    return "'" + (node.isTextual() ? node.asText() : node.toString()) + "'";
  }

  private static List<String> fieldNames(JsonMappingException e) {
    List<String> parts = new ArrayList<>();
    e.getPath().forEach(ref -> {
      if (ref.getFieldName() != null) {
        parts.add(ref.getFieldName());
      }
    });
    return parts;
  }

  /** Validates {@code c} as loaded from a config file. */
  static void validate(DistillConfig c) {
    validate(c, false, false);
  }

  /**
   * Every rule: each field's {@link Setting} and the rules relating several fields.
   *
   * @param defaultsOnly no config file was given (named in the error for a missing label set)
   * @param graphOnly the config has a {@code kg} section and no {@code data} section: an empty label set is allowed
   * @throws IllegalArgumentException listing every broken rule
   */
  static void validate(DistillConfig c, boolean defaultsOnly, boolean graphOnly) {
    List<String> errors = new ArrayList<>();
    Settings.validate(c).forEach(v -> errors.add(v.message()));
    if (c.data != null && c.data.labels != null) {
      if (c.data.labels.isEmpty() && !graphOnly) {
        errors.add(
            "data.labels must list the label set in class order"
                + (defaultsOnly ? " (no --config given: built-in defaults were used; pass --config conf/local.yaml)" : ""));
      }
      if (c.data.labels.stream().anyMatch(l -> l == null || l.isBlank())) {
        errors.add("data.labels must not contain a blank label, got: " + c.data.labels);
      }
      if (c.data.labels.stream().distinct().count() != c.data.labels.size()) {
        errors.add("data.labels must not repeat a label, got: " + c.data.labels);
      }
    }
    // teacher.labels and muka.*: label subsets in union order (method/muka/LabelSubsets)
    errors.addAll(org.sparkdistill.method.muka.LabelSubsets.configErrors(c));
    if (c.data != null && c.data.labelGroups != null && !c.data.labelGroups.isEmpty() && c.data.labels != null) {
      errors.addAll(org.sparkdistill.data.LabelGroups.problems(c.data.labels, c.data.labelGroups));
    }
    var split = c.data == null ? null : c.data.split;
    if (split != null && split.testFraction + split.validationFraction >= 1) {
      errors.add(
          String.format(
              Locale.ROOT,
              "data.split.testFraction + data.split.validationFraction must be < 1 (the rest is the pool), got: %s + %s",
              split.testFraction,
              split.validationFraction));
    }
    try {
      EncoderPrecision.parse(c.encoder.precision);
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
    }
    if (c.encoder.maxBatchTokens != 0 && c.encoder.maxBatchTokens < c.encoder.maxLength) {
      errors.add("encoder.maxBatchTokens must be 0 (row batches) or >= encoder.maxLength " + c.encoder.maxLength + " so every row fits, got: " + c.encoder.maxBatchTokens);
    }
    if (c.encoder.chunking != null && c.encoder.chunking.overlap >= c.encoder.chunking.length - 2) {
      errors.add("encoder.chunking.overlap must be < encoder.chunking.length - 2 = " + (c.encoder.chunking.length - 2) + ", got: " + c.encoder.chunking.overlap);
    }
    if (split != null && split.validationPerClass != null && split.validationPerClass < 0) {
      errors.add("data.split.validationPerClass must be >= 0 (0: every validation label) or absent (the label budget), got: " + split.validationPerClass);
    }
    if (split != null && split.nearDuplicates == null) {
      errors.add("data.split.nearDuplicates must be first-paragraph or none, got: null");
    }
    if (c.baseline != null && c.baseline.regParams != null && (c.baseline.regParams.isEmpty() || c.baseline.regParams.stream().anyMatch(r -> r == null || r < 0))) {
      errors.add("baseline.regParams must list L2 penalties >= 0, got: " + c.baseline.regParams);
    }
    if (c.sweep != null) {
      grid(errors, "sweep.teacherLearningRates", c.sweep.teacherLearningRates, false);
      grid(errors, "sweep.studentLearningRates", c.sweep.studentLearningRates, false);
      grid(errors, "sweep.studentDropouts", c.sweep.studentDropouts, true);
    }
    if (c.targets != null && c.targets.lelp != null && !org.sparkdistill.method.lelp.LelpMembership.VALUES.contains(c.targets.lelp.membership)) {
      errors.add("targets.lelp.membership must be prediction or label, got: " + c.targets.lelp.membership);
    }
    if (c.lelp != null && !List.of("grid", "coordinate").contains(c.lelp.search)) {
      errors.add("lelp.search must be grid or coordinate, got: " + c.lelp.search);
    }
    if (c.lelp != null && !org.sparkdistill.method.lelp.LelpComparison.SELECTIONS.contains(c.lelp.selection)) {
      errors.add("lelp.selection must be mean or first-seed, got: " + c.lelp.selection);
    }
    if (c.lelp != null) {
      java.util.Map<String, List<?>> lists = new java.util.LinkedHashMap<>();
      lists.put("lelp.subclasses", c.lelp.subclasses);
      lists.put("lelp.subclassTemperatures", c.lelp.subclassTemperatures);
      lists.put("lelp.nullSpace", c.lelp.nullSpace);
      lists.put("lelp.whiten", c.lelp.whiten);
      lists.put("lelp.calibrate", c.lelp.calibrate);
      lists.put("lelp.seeds", c.lelp.seeds);
      lists.put("lelp.alphas", c.lelp.alphas);
      lists.forEach((key, values) -> {
        if (values == null || values.isEmpty()) {
          errors.add(key + " must list at least one value (the comparison's grid), got: " + values);
        }
      });
    }
    if (c.student != null && c.student.checkpointEveryRounds > 0 && c.student.trainer != StudentTrainerKind.DATA_PARALLEL) {
      errors.add("student.checkpointEveryRounds applies to student.trainer=data-parallel (the driver's loop checkpoints at epoch ends), got "
          + c.student.checkpointEveryRounds + " with student.trainer=" + c.student.trainer + ": set it to 0");
    }
    if (c.student != null && c.student.transformer != null && "transformer".equals(c.student.architecture)) {
      try {
        org.sparkdistill.udfs.transformer.LayerMap.of(c.student.transformer.layers);
      } catch (IllegalArgumentException e) {
        errors.add(e.getMessage());
      }
    }
    if (c.pmd != null && c.pmd.grades != null) {
      errors.addAll(org.sparkdistill.method.pmd.PmdGrades.configErrors(c.pmd.grades));
    }
    if (c.curve != null && c.curve.teacherKinds != null) {
      if (c.curve.teacherKinds.stream().anyMatch(k -> k == null) || c.curve.teacherKinds.stream().distinct().count() < c.curve.teacherKinds.size()) {
        errors.add("curve.teacherKinds must list distinct teacher kinds (" + String.join(", ", ConfigEnums.names(TeacherKind.class)) + "), got: " + c.curve.teacherKinds);
      } else if (c.sweep != null && c.sweep.enabled && c.curve.teacherKinds.stream().anyMatch(k -> k != TeacherKind.HEAD)) {
        errors.add("curve.teacherKinds " + c.curve.teacherKinds + " needs sweep.enabled: false: the sweep tunes the frozen teacher's head"
            + " (sweep.teacherLearningRates) and has no grid for another kind of teacher");
      }
      for (TeacherKind kind : c.curve.teacherKinds) {
        if (kind == TeacherKind.FINETUNE && c.teacher != null && c.teacher.kind != TeacherKind.FINETUNE && c.encoder != null) {
          org.sparkdistill.teacher.finetune.FineTuneTeacher.validate(c, errors);
        }
      }
    }
    if (c.teacher != null && c.teacher.kind == TeacherKind.FINETUNE && c.encoder != null) {
      org.sparkdistill.teacher.finetune.FineTuneTeacher.validate(c, errors);
    }
    if (c.teacher != null && c.teacher.kind == TeacherKind.TORCHSCRIPT && (c.teacher.torchscript == null || c.teacher.torchscript.isBlank())) {
      errors.add("teacher.torchscript must name the TorchScript file when teacher.kind is torchscript");
    }
    if (c.kg != null) {
      errors.addAll(org.sparkdistill.kg.KgSource.configErrors(c.kg));
    }
    try {
      org.sparkdistill.spark.TeacherResources.validate(c.resources);
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("invalid configuration:\n  - " + String.join("\n  - ", errors));
    }
  }

  private static void grid(List<String> errors, String key, List<Double> values, boolean rate) {
    if (values == null || values.isEmpty() || values.stream().anyMatch(v -> v == null || (rate ? v < 0 || v >= 1 : !(v > 0)))) {
      errors.add(key + " must list values " + (rate ? "in [0, 1)" : "> 0") + ", got: " + values);
    }
  }

  /**
   * Binds an enum setting by its configuration spelling (case-insensitive, {@code _} for {@code
   * -}); anything else is an {@link InvalidFormatException} whose target type lists the values.
   */
  private static final class EnumDeserializer extends JsonDeserializer<Object> {
    private final Class<?> type;

    EnumDeserializer(Class<?> type) {
      this.type = type;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String text = p.currentToken() == JsonToken.VALUE_STRING || p.currentToken().isScalarValue() ? p.getText() : p.readValueAsTree().toString();
      Object found = ConfigEnums.find((Class) type, text);
      if (found == null) {
        throw InvalidFormatException.from(p, "expected one of " + ConfigEnums.names(type), text, type);
      }
      return found;
    }
  }
}
