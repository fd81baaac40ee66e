package org.sparkdistill.udfs.student;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.sparkdistill.udfs.model.VerifiedModelFiles;
import org.sparkdistill.udfs.transformer.BertShape;
import org.sparkdistill.udfs.transformer.BertWeights;
import org.sparkdistill.udfs.transformer.FineTunedMeta;
import org.sparkdistill.udfs.transformer.LayerMap;

/**
 * Builds the {@link TransformerStudent} from the run's settings ({@code student.transformer.*} and
 * the teacher's encoder files, which the train-student stage adds as {@code teacherEncoder}) or reads
 * a saved one back ({@code student.json}'s config and the {@code tokenizer.json} beside it).
 *
 * <p>Planning a new student reads the teacher's ONNX file once per JVM and file (sha256 and shape,
 * cached), so a layer map the teacher cannot serve or a file that does not map onto BERT fails
 * before any work, naming the key and the file.
 */
public final class TransformerStudentFactory implements StudentArchitecture.Factory {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> SHA256 = new ConcurrentHashMap<>();
  private static final Map<String, BertShape> SHAPES = new ConcurrentHashMap<>();

  @Override
  public String kind() {
    return TransformerStudent.KIND;
  }

  @Override
  public StudentArchitecture fromSettings(JsonNode s, List<String> outputs) {
    JsonNode t = s.get("transformer");
    JsonNode encoder = s.get("teacherEncoder");
    if (t == null || !t.isObject()) {
      throw new IllegalArgumentException("student.transformer settings are missing for the " + TransformerStudent.KIND + " student");
    }
    if (encoder == null || !encoder.isObject()) {
      throw new IllegalArgumentException("the " + TransformerStudent.KIND + " student needs the teacher's encoder files (teacherEncoder: model, tokenizer, maxLength), which train-student supplies");
    }
    String model = text(t, "model").isBlank() ? text(encoder, "model") : text(t, "model");
    String tokenizer = text(t, "tokenizer").isBlank() ? text(encoder, "tokenizer") : text(t, "tokenizer");
    int maxLength = required(t, "maxLength").asInt() > 0 ? required(t, "maxLength").asInt() : required(encoder, "maxLength").asInt();
    List<Integer> layers = new ArrayList<>();
    JsonNode map = required(t, "layers");
    if (!map.isArray()) {
      throw new IllegalArgumentException(LayerMap.KEY + " must be a list of teacher layers, got: " + map);
    }
    map.forEach(v -> layers.add(v.isIntegralNumber() ? v.asInt() : null));
    LayerMap layerMap = LayerMap.of(layers);
    // train-student names a fine-tuned teacher's parameters file when the layers come from it.
    boolean fineTuned = text(t, "model").isBlank() && TransformerStudent.FORMAT_FINETUNED.equals(text(encoder, "format"));
    Path modelFile = local(fineTuned ? "the fine-tuned teacher's parameters" : "student.transformer.model (or encoder.model)", model);
    Path tokenizerFile = local("student.transformer.tokenizer (or encoder.tokenizer)", tokenizer);
    String sha = SHA256.computeIfAbsent(key(modelFile), k -> VerifiedModelFiles.sha256(modelFile));
    int heads = required(t, "attentionHeads").asInt();
    FineTunedMeta meta = null;
    BertShape shape;
    if (fineTuned) {
      try {
        meta = JSON.treeToValue(required(encoder, "meta"), FineTunedMeta.class);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("the fine-tuned teacher's description (finetuned.json) does not read: " + e.getOriginalMessage(), e);
      }
      shape = meta.shape();
    } else {
      shape = SHAPES.computeIfAbsent(sha + "/" + heads, k -> BertWeights.fromOnnx(modelFile, heads).shape());
    }
    byte[] tokenizerBytes;
    try {
      tokenizerBytes = Files.readAllBytes(tokenizerFile);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the transformer student's tokenizer " + tokenizerFile + ": " + e, e);
    }
    return new TransformerStudent(
        outputs, layerMap, shape, modelFile.toString(), sha, fineTuned ? TransformerStudent.FORMAT_FINETUNED : TransformerStudent.FORMAT_ONNX, meta,
        new WordPieceFeaturizer(tokenizerBytes, maxLength),
        (float) required(t, "hiddenDropout").asDouble(), (float) required(t, "attentionDropout").asDouble(), (float) required(t, "headDropout").asDouble(),
        required(t, "learningRate").asDouble(), required(t, "headLearningRate").asDouble(), required(t, "warmupSteps").asInt());
  }

  @Override
  public StudentArchitecture fromJson(JsonNode config) {
    throw new IllegalArgumentException("a " + TransformerStudent.KIND + " student is read from its directory (student.json and " + TransformerStudent.TOKENIZER_FILE + ")");
  }

  /**
   * Reads a saved student: the config of {@code student.json} and {@code tokenizer.json} from
   * {@code dir}, whose sha256 must be the one the config records.
   */
  @Override
  public StudentArchitecture fromJson(JsonNode c, Path dir) {
    String file = text(c, "tokenizerFile");
    Path tokenizer = dir.resolve(file.isBlank() ? TransformerStudent.TOKENIZER_FILE : file);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(tokenizer);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("the transformer student's tokenizer is missing: " + tokenizer.toAbsolutePath(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the transformer student's tokenizer " + tokenizer.toAbsolutePath() + ": " + e, e);
    }
    WordPieceFeaturizer featurizer = new WordPieceFeaturizer(bytes, required(c, "maxLength").asInt());
    if (!featurizer.sha256().equals(text(c, "tokenizerSha256"))) {
      throw new IllegalArgumentException(
          tokenizer.toAbsolutePath() + " has sha256 " + featurizer.sha256() + ", student.json records " + text(c, "tokenizerSha256") + ": the student's files do not belong together");
    }
    List<String> labels = new ArrayList<>();
    required(c, "labels").forEach(v -> labels.add(v.asText()));
    List<Integer> layers = new ArrayList<>();
    required(c, "layers").forEach(v -> layers.add(v.asInt()));
    BertShape shape;
    try {
      shape = JSON.treeToValue(required(c, "shape"), BertShape.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("shape: " + e.getOriginalMessage(), e);
    }
    BertShape teacher = new BertShape(shape.vocabSize(), shape.maxPositions(), shape.typeVocabSize(), shape.hidden(), required(c, "teacherLayers").asInt(), shape.heads(), shape.intermediate(), shape.layerNormEps());
    TransformerStudent student =
        new TransformerStudent(
            labels, LayerMap.of(layers), teacher, text(c, "teacherModel"), text(c, "teacherModelSha256"),
            text(c, "teacherFormat").isBlank() ? TransformerStudent.FORMAT_ONNX : text(c, "teacherFormat"), null, featurizer,
            (float) required(c, "hiddenDropout").asDouble(), (float) required(c, "attentionDropout").asDouble(), (float) required(c, "headDropout").asDouble(),
            required(c, "learningRate").asDouble(), required(c, "headLearningRate").asDouble(), required(c, "warmupSteps").asInt());
    if (!student.shape().equals(shape)) {
      throw new IllegalArgumentException("shape " + shape + " does not have the " + layers.size() + " layers of the layer map " + layers);
    }
    return student;
  }

  /** A local file from a configured path or {@code file:} URI; other filesystems are refused (the student is built on the driver). */
  static Path local(String role, String configured) {
    if (configured == null || configured.isBlank()) {
      throw new IllegalArgumentException(role + " must name the teacher's file for the " + TransformerStudent.KIND + " student");
    }
    Path path;
    if (configured.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:/.*") && !configured.matches("^[a-zA-Z]:[/\\\\].*")) {
      URI uri = URI.create(configured);
      if (!"file".equals(uri.getScheme())) {
        throw new IllegalArgumentException(role + " must be a local file for the " + TransformerStudent.KIND + " student (it initialises on the driver), got: " + configured);
      }
      path = Path.of(uri);
    } else {
      path = Path.of(configured);
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException(role + " does not exist or is not a file: " + path.toAbsolutePath());
    }
    return path.toAbsolutePath().normalize();
  }

  private static String key(Path file) {
    try {
      return file + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("student.transformer." + field + " must be set for the " + TransformerStudent.KIND + " student");
    }
    return v;
  }
}
