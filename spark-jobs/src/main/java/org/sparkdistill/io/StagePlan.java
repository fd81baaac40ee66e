package org.sparkdistill.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.Settings;
import org.sparkdistill.udfs.schema.CacheSchemas;

/**
 * What a stage is about to compute: its inputs, model files, settings and labels. Two runs with
 * equal plans produce the same output, so the {@link #fingerprint()} decides whether a finished
 * output can be reused, and {@link #differences(Manifest)} says what changed when it cannot.
 */
public final class StagePlan {
  private final String stage;
  private final SortedMap<String, String> inputs = new TreeMap<>();
  private final SortedMap<String, String> models = new TreeMap<>();
  private final SortedMap<String, String> settings = new TreeMap<>();
  private final List<String> labels = new ArrayList<>();

  private StagePlan(String stage) {
    this.stage = stage;
  }

  public static StagePlan of(String stage) {
    return new StagePlan(stage);
  }

  /** An input, identified by the fingerprint of its manifest (or of a raw file's content). */
  public StagePlan input(String role, String fingerprint) {
    inputs.put(role, Objects.requireNonNull(fingerprint, role));
    return this;
  }

  /** A model or tokenizer file, identified by its sha256. */
  public StagePlan model(String role, String sha256) {
    models.put(role, Objects.requireNonNull(sha256, role));
    return this;
  }

  /** A setting that shapes the output; enums are recorded in their configuration spelling. */
  public StagePlan setting(String name, Object value) {
    settings.put(name, Settings.text(value));
    return this;
  }

  /**
   * The settings {@code keys} of {@code config}, each recorded under its config path ({@code
   * encoder.maxLength}), so the manifest key and the key a user sets are the same name.
   *
   * @throws IllegalArgumentException for a key that is not a setting of {@link DistillConfig}
   */
  public StagePlan settings(DistillConfig config, String... keys) {
    for (String key : keys) {
      setting(key, Settings.value(config, key));
    }
    return this;
  }

  public StagePlan labels(List<String> names) {
    labels.clear();
    labels.addAll(names);
    return this;
  }

  public String stage() {
    return stage;
  }

  public SortedMap<String, String> inputs() {
    return inputs;
  }

  public SortedMap<String, String> models() {
    return models;
  }

  public SortedMap<String, String> settings() {
    return settings;
  }

  public List<String> labels() {
    return labels;
  }

  /** sha256 over schema version, stage, inputs, models, settings and labels. */
  public String fingerprint() {
    StringBuilder canonical = new StringBuilder();
    canonical.append("schemaVersion=").append(CacheSchemas.VERSION).append('\n');
    canonical.append("stage=").append(stage).append('\n');
    append(canonical, "input.", inputs);
    append(canonical, "model.", models);
    append(canonical, "setting.", settings);
    canonical.append("labels=").append(String.join("\u0000", labels)).append('\n');
    return Fingerprints.sha256(canonical.toString());
  }

  private static void append(StringBuilder out, String prefix, Map<String, String> entries) {
    entries.forEach((k, v) -> out.append(prefix).append(k).append('=').append(v).append('\n'));
  }

  /** Human-readable differences between this plan and what {@code previous} was written from. */
  public List<String> differences(Manifest previous) {
    List<String> out = new ArrayList<>();
    if (previous.schemaVersion() != CacheSchemas.VERSION) {
      out.add("schemaVersion: " + previous.schemaVersion() + " -> " + CacheSchemas.VERSION);
    }
    if (!stage.equals(previous.stage())) {
      out.add("stage: " + previous.stage() + " -> " + stage);
    }
    out.addAll(changes("input ", previous.inputs(), inputs));
    out.addAll(changes("model ", previous.models(), models));
    out.addAll(changes("setting ", previous.settings(), settings));
    List<String> oldLabels = previous.labels() == null ? List.of() : previous.labels();
    if (!oldLabels.equals(labels)) {
      out.add("labels: " + oldLabels + " -> " + labels);
    }
    return out;
  }

  /** Each key whose value differs between {@code before} and {@code after}, as "prefix key: old -> new". */
  public static List<String> changes(String prefix, Map<String, String> before, Map<String, String> after) {
    List<String> out = new ArrayList<>();
    Map<String, String> old = before == null ? Map.of() : before;
    SortedMap<String, String> keys = new TreeMap<>(old);
    keys.putAll(after);
    for (String key : keys.keySet()) {
      String a = old.get(key);
      String b = after.get(key);
      if (!Objects.equals(a, b)) {
        out.add(prefix + key + ": " + (a == null ? "(absent)" : a) + " -> " + (b == null ? "(absent)" : b));
      }
    }
    return out;
  }
}
