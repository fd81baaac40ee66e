package org.sparkdistill.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.Pooling;

/** Reads a YAML config, applies {@code key=value} overrides and validates the result. */
public final class ConfigLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final Set<String> FORMATS = Set.of("debian-jsonl", "imdb-json", "parquet");

  private ConfigLoader() {}

  /**
   * Loads {@code file} (null: defaults only) and applies {@code overrides}, each {@code
   * dotted.path=value}; lists as YAML ({@code curve.seeds=[1,2]}), labels also comma-separated.
   *
   * @throws IllegalArgumentException naming the file, key or value that is wrong
   */
  public static DistillConfig load(Path file, List<String> overrides) {
    ObjectNode tree;
    try {
      if (file == null) {
        tree = YAML.createObjectNode();
      } else {
        if (!Files.isRegularFile(file)) {
          throw new IllegalArgumentException("config file does not exist: " + file);
        }
        JsonNode node = YAML.readTree(file.toFile());
        tree = node instanceof ObjectNode ? (ObjectNode) node : YAML.createObjectNode();
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("config file " + file + " is not valid YAML: " + e.getMessage(), e);
    }
    for (String override : overrides) {
      apply(tree, override);
    }
    DistillConfig config;
    try {
      config = YAML.readerFor(DistillConfig.class).readValue((JsonNode) tree);
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException(
          "unknown config key '" + e.getPropertyName() + "' at " + path(e) + " in " + (file == null ? "overrides" : file),
          e);
    } catch (IOException e) {
      throw new IllegalArgumentException("config " + (file == null ? "overrides" : file) + ": " + e.getMessage(), e);
    }
    validate(config);
    return config;
  }

  private static String path(UnrecognizedPropertyException e) {
    List<String> parts = new ArrayList<>();
    e.getPath().forEach(ref -> parts.add(ref.getFieldName()));
    return String.join(".", parts);
  }

  private static void apply(ObjectNode tree, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("override must be key=value (e.g. encoder.maxLength=64), got: " + override);
    }
    String[] keys = override.substring(0, eq).trim().split("\\.");
    String value = override.substring(eq + 1);
    ObjectNode node = tree;
    for (int i = 0; i < keys.length - 1; i++) {
      // spark.conf keys contain dots themselves: the rest of the key is one map key.
      if (keys[i].equals("conf") && i > 0 && keys[i - 1].equals("spark")) {
        ObjectNode conf = node.with("conf");
        conf.set(String.join(".", java.util.Arrays.copyOfRange(keys, i + 1, keys.length)), TextNode.valueOf(value));
        return;
      }
      node = node.with(keys[i]);
    }
    String last = keys[keys.length - 1];
    if (last.equals("labels")) {
      var array = node.putArray(last);
      for (String label : value.split(",")) {
        if (!label.isBlank()) {
          array.add(label.trim());
        }
      }
    } else if (value.trim().startsWith("[")) {
      try {
        node.set(last, YAML.readTree(value));
      } catch (IOException e) {
        throw new IllegalArgumentException("override " + override + ": the value is not a YAML list: " + e.getMessage(), e);
      }
    } else {
      node.set(last, TextNode.valueOf(value));
    }
  }

  static void validate(DistillConfig c) {
    List<String> errors = new ArrayList<>();
    if (!FORMATS.contains(c.data.format)) {
      errors.add("data.format must be one of " + FORMATS + ", got: " + c.data.format);
    }
    if (c.data.path == null || c.data.path.isBlank()) {
      errors.add("data.path must name the raw data file or directory");
    }
    if (c.data.labels.isEmpty()) {
      errors.add("data.labels must list the label set in class order");
    }
    if (c.data.labels.stream().distinct().count() != c.data.labels.size()) {
      errors.add("data.labels must not repeat a label, got: " + c.data.labels);
    }
    if (c.data.maxRows < 0) {
      errors.add("data.maxRows must be >= 0, got: " + c.data.maxRows);
    }
    var split = c.data.split;
    if (split.testFraction <= 0 || split.validationFraction <= 0 || split.testFraction + split.validationFraction >= 1) {
      errors.add(
          String.format(
              Locale.ROOT,
              "data.split.testFraction and validationFraction must be > 0 and sum to < 1, got: %s and %s",
              split.testFraction,
              split.validationFraction));
    }
    if (split.labelledPerClass < 0) {
      errors.add("data.split.labelledPerClass must be >= 0, got: " + split.labelledPerClass);
    }
    if (split.transferFraction < 0 || split.transferFraction >= 1) {
      errors.add("data.split.transferFraction must be in [0, 1), got: " + split.transferFraction);
    }
    if (split.validationPerClass != null && split.validationPerClass < 0) {
      errors.add("data.split.validationPerClass must be >= 0 (0: every validation label) or absent (the label budget), got: " + split.validationPerClass);
    }
    if (!split.nearDuplicates.equals("first-paragraph") && !split.nearDuplicates.equals("none")) {
      errors.add("data.split.nearDuplicates must be first-paragraph or none, got: " + split.nearDuplicates);
    }
    positive(errors, "data.split.nearDuplicateMinChars", split.nearDuplicateMinChars);
    positive(errors, "encoder.maxLength", c.encoder.maxLength);
    positive(errors, "encoder.batchSize", c.encoder.batchSize);
    positive(errors, "encoder.intraOpThreads", c.encoder.intraOpThreads);
    check(errors, () -> Pooling.parse(c.encoder.pooling));
    check(errors, () -> DeviceSelector.Preference.parse(c.encoder.device));
    if (!c.teacher.kind.equals("head") && !c.teacher.kind.equals("torchscript")) {
      errors.add("teacher.kind must be head or torchscript, got: " + c.teacher.kind);
    }
    if (c.teacher.kind.equals("torchscript") && c.teacher.torchscript.isBlank()) {
      errors.add("teacher.torchscript must name the TorchScript file when teacher.kind is torchscript");
    }
    if (c.teacher.dropout < 0 || c.teacher.dropout >= 1) {
      errors.add("teacher.dropout must be in [0, 1), got: " + c.teacher.dropout);
    }
    positive(errors, "teacher.epochs", c.teacher.epochs);
    positive(errors, "teacher.batchSize", c.teacher.batchSize);
    positive(errors, "teacher.patience", c.teacher.patience);
    if (!(c.teacher.learningRate > 0)) {
      errors.add("teacher.learningRate must be > 0, got: " + c.teacher.learningRate);
    }
    positive(errors, "baseline.numFeatures", c.baseline.numFeatures);
    positive(errors, "baseline.maxNgram", c.baseline.maxNgram);
    positive(errors, "baseline.maxIter", c.baseline.maxIter);
    positive(errors, "baseline.topK", c.baseline.topK);
    if (c.baseline.regParams.isEmpty() || c.baseline.regParams.stream().anyMatch(r -> r == null || r < 0)) {
      errors.add("baseline.regParams must list L2 penalties >= 0, got: " + c.baseline.regParams);
    }
    grid(errors, "sweep.teacherLearningRates", c.sweep.teacherLearningRates, false);
    grid(errors, "sweep.studentLearningRates", c.sweep.studentLearningRates, false);
    grid(errors, "sweep.studentDropouts", c.sweep.studentDropouts, true);
    positive(errors, "score.mcPasses", c.score.mcPasses);
    positive(errors, "score.batchSize", c.score.batchSize);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("invalid configuration:\n  - " + String.join("\n  - ", errors));
    }
  }

  private static void grid(List<String> errors, String key, List<Double> values, boolean rate) {
    if (values.isEmpty() || values.stream().anyMatch(v -> v == null || (rate ? v < 0 || v >= 1 : !(v > 0)))) {
      errors.add(key + " must list values " + (rate ? "in [0, 1)" : "> 0") + ", got: " + values);
    }
  }

  private static void positive(List<String> errors, String key, long value) {
    if (value < 1) {
      errors.add(key + " must be >= 1, got: " + value);
    }
  }

  private static void check(List<String> errors, Runnable parse) {
    try {
      parse.run();
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
    }
  }
}
