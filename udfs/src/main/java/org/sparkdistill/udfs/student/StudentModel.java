package org.sparkdistill.udfs.student;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sparkdistill.udfs.model.ModelLoadException;

/**
 * A student classifier with its weights in native (libtorch, CPU) memory, saved as a
 * self-contained directory:
 *
 * <ul>
 *   <li>{@code student.json}: {@code {"format": "spark-distill-student", "formatVersion": 1,
 *       "config": {StudentConfig as JSON, labels in logit order}}}
 *   <li>{@code student.params}: the block's parameters in DJL's {@code saveParameters} format
 *       (exact float32 values)
 * </ul>
 *
 * <p>Scoring ({@link #logits}, {@link #probabilities}): dropout off, no autograd recording,
 * the given texts are one batch (N × longest id count); callers choose the batch size (e.g. 32
 * to 256, texts sorted by length). Safe for concurrent callers: each call uses its own
 * sub-manager and only reads the parameters; do not call it while a training step updates them.
 * libtorch's intra-op threads apply ({@code -Dai.djl.pytorch.num_threads}).
 *
 * <p>Memory: 4 bytes per parameter ({@link #parameterCount()}), plus per call about N·L·D·4
 * bytes for the gathered embeddings.
 */
public final class StudentModel implements AutoCloseable {

  /** Name of the configuration file inside a student directory. */
  public static final String CONFIG_FILE = "student.json";
  /** Name of the parameter file inside a student directory. */
  public static final String PARAMS_FILE = "student.params";
  /** Value of {@code "format"} in student.json. */
  public static final String FORMAT = "spark-distill-student";
  /** The student.json format version this class writes and reads. */
  public static final int FORMAT_VERSION = 1;

  private static final String ENGINE = "PyTorch";
  /** Strict: every config field must be present (no silent 0 for a missing hashSeed). */
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private final StudentConfig config;
  private final NgramHasher hasher;
  private final Model model;
  private final StudentBlock block;

  private StudentModel(StudentConfig config, Model model, StudentBlock block) {
    this.config = config;
    this.hasher = new NgramHasher(config);
    this.model = model;
    this.block = block;
  }

  /**
   * A new student with parameters drawn from {@code initSeed} alone (see {@link
   * StudentBlock#initialize(NDManager, long)}): same config and seed give bit-identical
   * parameters, regardless of libtorch's random state. Parameters require gradients. Cost:
   * {@code parameterCount()} floats generated in Java and copied to native memory.
   */
  public static StudentModel create(StudentConfig config, long initSeed) {
    Objects.requireNonNull(config, "config must not be null");
    Model model = Model.newInstance("student", Device.cpu(), ENGINE);
    try {
      StudentBlock block = new StudentBlock(config);
      block.initialize(model.getNDManager(), initSeed);
      model.setBlock(block);
      return new StudentModel(config, model, block);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Loads a directory written by {@link #save}. Parameters require gradients (ready to train
   * further).
   *
   * @throws ModelLoadException naming the missing, unreadable or inconsistent file
   */
  public static StudentModel load(Path dir) {
    Objects.requireNonNull(dir, "dir must not be null");
    if (!Files.isDirectory(dir)) {
      throw new ModelLoadException(
          "student directory does not exist or is not a directory: " + dir.toAbsolutePath());
    }
    StudentConfig config = readConfig(dir.resolve(CONFIG_FILE));
    Path paramsFile = dir.resolve(PARAMS_FILE);
    if (!Files.isRegularFile(paramsFile)) {
      throw new ModelLoadException(
          "student parameter file is missing: " + paramsFile.toAbsolutePath());
    }
    Model model = Model.newInstance("student", Device.cpu(), ENGINE);
    try {
      StudentBlock block = new StudentBlock(config);
      try (InputStream raw = Files.newInputStream(paramsFile);
          DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
        block.loadParameters(model.getNDManager(), in);
        if (in.read() != -1) {
          throw new MalformedModelException("trailing bytes after the last parameter");
        }
      } catch (EOFException e) {
        throw new ModelLoadException(
            "corrupt student parameter file " + paramsFile.toAbsolutePath()
                + ": truncated (ends before the last parameter)", e);
      } catch (IOException | MalformedModelException | RuntimeException e) {
        throw new ModelLoadException(
            "corrupt or unreadable student parameter file " + paramsFile.toAbsolutePath()
                + ": " + e, e);
      }
      checkShapes(block, config, paramsFile);
      for (Pair<String, Parameter> p : block.getParameters()) {
        p.getValue().getArray().setRequiresGradient(true);
      }
      model.setBlock(block);
      return new StudentModel(config, model, block);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  private static StudentConfig readConfig(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(
          "student config file is missing: " + file.toAbsolutePath(), e);
    } catch (IOException e) {
      throw new ModelLoadException(
          "cannot read student config file " + file.toAbsolutePath() + ": " + e, e);
    }
    try {
      JsonNode root = JSON.readTree(text);
      if (root == null || !root.isObject()) {
        throw new ModelLoadException(
            "student config file " + file.toAbsolutePath() + " must hold a JSON object");
      }
      JsonNode format = root.get("format");
      if (format == null || !FORMAT.equals(format.asText())) {
        throw new ModelLoadException(
            "student config file " + file.toAbsolutePath() + " must have \"format\": \""
                + FORMAT + "\", got: " + format);
      }
      JsonNode version = root.get("formatVersion");
      if (version == null || !version.canConvertToInt() || version.asInt() != FORMAT_VERSION) {
        throw new ModelLoadException(
            "student config file " + file.toAbsolutePath() + " has formatVersion " + version
                + ", this reader supports " + FORMAT_VERSION);
      }
      JsonNode config = root.get("config");
      if (config == null || !config.isObject()) {
        throw new ModelLoadException(
            "student config file " + file.toAbsolutePath() + " has no \"config\" object");
      }
      return JSON.treeToValue(config, StudentConfig.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new ModelLoadException(
          "corrupt student config file " + file.toAbsolutePath() + ": " + e.getMessage(), e);
    }
  }

  private static void checkShapes(StudentBlock block, StudentConfig config, Path paramsFile) {
    Map<String, Shape> expected = expectedShapes(config);
    Map<String, Shape> actual = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      NDArray array = p.getValue().getArray();
      actual.put(p.getKey(), array == null ? null : array.getShape());
    }
    if (!new ArrayList<>(expected.values()).equals(new ArrayList<>(actual.values()))) {
      throw new ModelLoadException(
          "student parameter file " + paramsFile.toAbsolutePath()
              + " does not match " + CONFIG_FILE + ": expected shapes " + expected.values()
              + ", got " + actual);
    }
  }

  private static Map<String, Shape> expectedShapes(StudentConfig c) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    shapes.put("embedding", new Shape(c.buckets() + 1L, c.embeddingDim()));
    long in = c.embeddingDim();
    if (c.hiddenDim() > 0) {
      shapes.put("hidden.weight", new Shape(c.hiddenDim(), in));
      shapes.put("hidden.bias", new Shape(c.hiddenDim()));
      in = c.hiddenDim();
    }
    shapes.put("output.weight", new Shape(c.numClasses(), in));
    shapes.put("output.bias", new Shape(c.numClasses()));
    return shapes;
  }

  /**
   * Writes {@code student.params} then {@code student.json} into {@code dir} (created if
   * needed), each through a temporary file moved into place. Cost: one pass over the
   * parameters.
   *
   * @throws UncheckedIOException naming the file that could not be written
   */
  public void save(Path dir) {
    Objects.requireNonNull(dir, "dir must not be null");
    Path paramsFile = dir.resolve(PARAMS_FILE);
    Path configFile = dir.resolve(CONFIG_FILE);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create student directory " + dir, e);
    }
    writeAtomically(
        paramsFile,
        out -> {
          DataOutputStream data = new DataOutputStream(out);
          block.saveParameters(data);
          data.flush();
        });
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("formatVersion", FORMAT_VERSION);
    root.set("config", JSON.valueToTree(config));
    writeAtomically(configFile, out -> JSON.writeValue(out, root));
  }

  private interface Writer {
    void write(OutputStream out) throws IOException;
  }

  private static void writeAtomically(Path file, Writer writer) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
        writer.write(out);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException("cannot write " + file.toAbsolutePath() + ": " + e, e);
    }
  }

  public StudentConfig config() {
    return config;
  }

  public NgramHasher hasher() {
    return hasher;
  }

  /** The DJL model holding the block; its NDManager owns the parameters. */
  public Model model() {
    return model;
  }

  public StudentBlock block() {
    return block;
  }

  /** Exact parameter count, {@link StudentConfig#parameterCount()}. */
  public long parameterCount() {
    return config.parameterCount();
  }

  /**
   * Logits [N][C] for {@code texts} as one batch, dropout off. An empty list gives an empty
   * array; an empty text gives the output layer's bias (zero pooled vector).
   */
  public float[][] logits(List<String> texts) {
    Objects.requireNonNull(texts, "texts must not be null");
    if (texts.isEmpty()) {
      return new float[0][];
    }
    StudentBatch batch = StudentBatch.of(texts, hasher);
    int c = config.numClasses();
    float[] flat;
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager manager = model.getNDManager().newSubManager()) {
      NDList inputs = batch.toNDList(manager);
      NDList out = block.forward(new ParameterStore(manager, false), inputs, false);
      flat = out.singletonOrThrow().toFloatArray();
    } finally {
      JniUtils.setGradMode(gradMode);
    }
    float[][] rows = new float[texts.size()][c];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(flat, i * c, rows[i], 0, c);
    }
    return rows;
  }

  /** Softmax of {@link #logits} per row (computed in double, returned as float). */
  public float[][] probabilities(List<String> texts) {
    float[][] logits = logits(texts);
    for (float[] row : logits) {
      double max = Double.NEGATIVE_INFINITY;
      for (float v : row) {
        max = Math.max(max, v);
      }
      double sum = 0;
      double[] e = new double[row.length];
      for (int j = 0; j < row.length; j++) {
        e[j] = Math.exp(row[j] - max);
        sum += e[j];
      }
      for (int j = 0; j < row.length; j++) {
        row[j] = (float) (e[j] / sum);
      }
    }
    return logits;
  }

  /** Frees the native parameters. */
  @Override
  public void close() {
    model.close();
  }
}
