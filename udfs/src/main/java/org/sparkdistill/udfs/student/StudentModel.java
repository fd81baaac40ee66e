package org.sparkdistill.udfs.student;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
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
import org.sparkdistill.udfs.uncertainty.Softmax;

/**
 * A student with its weights in native (libtorch) memory on one device: an {@link
 * StudentArchitecture} (featurizer + network), its parameters and its {@link Readout}. Saved as a
 * self-contained directory:
 *
 * <ul>
 *   <li>{@code student.json}: {@code {"format": "spark-distill-student", "formatVersion": 2,
 *       "architecture": kind, "config": {the architecture's JSON}, "readout": {classes,
 *       outputClass}}} (version 1 files, n-gram students with one output per class, still load)
 *   <li>{@code student.params}: the block's parameters in DJL's {@code saveParameters} format
 *       (exact float32 values)
 * </ul>
 *
 * <p>Scoring ({@link #logits}, {@link #probabilities}): dropout off, no autograd recording,
 * the given texts are one batch; callers choose the batch size (e.g. 32 to 256, texts sorted by
 * length). Safe for concurrent callers: each call uses its own sub-manager and only reads the
 * parameters; do not call it while a training step updates them. libtorch's intra-op threads
 * apply ({@code -Dai.djl.pytorch.num_threads}).
 *
 * <p>Memory: 4 bytes per parameter ({@link #parameterCount()}), plus what one batch's forward
 * needs.
 */
public final class StudentModel implements AutoCloseable {

  /** Name of the configuration file inside a student directory. */
  public static final String CONFIG_FILE = "student.json";
  /** Name of the parameter file inside a student directory. */
  public static final String PARAMS_FILE = "student.params";
  /** Value of {@code "format"} in student.json. */
  public static final String FORMAT = "spark-distill-student";
  /** The student.json format version this class writes; it reads 1 and 2. */
  public static final int FORMAT_VERSION = 2;

  private static final String ENGINE = "PyTorch";
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private final StudentArchitecture architecture;
  private final StudentFeaturizer featurizer;
  private final Readout readout;
  private final Model model;
  private final Block block;

  private StudentModel(StudentArchitecture architecture, Readout readout, Model model, Block block) {
    if (readout.outputs() != architecture.outputs().size()) {
      throw new IllegalArgumentException(
          "the readout maps " + readout.outputs() + " outputs, the architecture has " + architecture.outputs().size());
    }
    this.architecture = architecture;
    this.featurizer = architecture.featurizer();
    this.readout = readout;
    this.model = model;
    this.block = block;
  }

  /** {@link #create(StudentArchitecture, Readout, long, Device)} with one output per class, on the CPU. */
  public static StudentModel create(StudentArchitecture architecture, long initSeed) {
    return create(architecture, Readout.identity(architecture.outputs()), initSeed, Device.cpu());
  }

  /**
   * A new student with parameters drawn from {@code initSeed} alone: same architecture and seed
   * give bit-identical parameters, regardless of libtorch's random state. Parameters require
   * gradients. Cost: {@code parameterCount()} floats generated in Java and copied to the device.
   */
  public static StudentModel create(StudentArchitecture architecture, Readout readout, long initSeed, Device device) {
    Objects.requireNonNull(architecture, "architecture must not be null");
    Model model = Model.newInstance("student", device, ENGINE);
    try {
      Block block = architecture.newBlock();
      architecture.initialize(block, model.getNDManager(), initSeed);
      model.setBlock(block);
      return new StudentModel(architecture, readout, model, block);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * A student of {@code architecture} holding the parameters in {@code parameters} (written by
   * {@link #saveParameters}), without initialising it first: what an executor builds from broadcast
   * weights (an architecture that initialises from a teacher file never reads it there).
   * Parameters require gradients.
   *
   * @throws ModelLoadException when the bytes are not this architecture's parameters
   */
  public static StudentModel fromParameters(StudentArchitecture architecture, Readout readout, byte[] parameters, Device device) {
    Objects.requireNonNull(architecture, "architecture must not be null");
    Model model = Model.newInstance("student", device, ENGINE);
    try {
      Block block = architecture.newBlock();
      try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(parameters))) {
        block.loadParameters(model.getNDManager(), in);
      } catch (IOException | MalformedModelException e) {
        throw new ModelLoadException("not the parameters of this " + architecture.kind() + " student: " + e.getMessage(), e);
      }
      for (Pair<String, Parameter> p : block.getParameters()) {
        p.getValue().getArray().setRequiresGradient(true);
      }
      model.setBlock(block);
      return new StudentModel(architecture, readout, model, block);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** {@link #load(Path, Device)} on the CPU. */
  public static StudentModel load(Path dir) {
    return load(dir, Device.cpu());
  }

  /**
   * Loads a directory written by {@link #save} onto {@code device}. Parameters require gradients
   * (ready to train further).
   *
   * @throws ModelLoadException naming the missing, unreadable or inconsistent file
   */
  public static StudentModel load(Path dir, Device device) {
    Objects.requireNonNull(dir, "dir must not be null");
    if (!Files.isDirectory(dir)) {
      throw new ModelLoadException(
          "student directory does not exist or is not a directory: " + dir.toAbsolutePath());
    }
    Saved saved = readConfig(dir.resolve(CONFIG_FILE), dir);
    Path paramsFile = dir.resolve(PARAMS_FILE);
    if (!Files.isRegularFile(paramsFile)) {
      throw new ModelLoadException(
          "student parameter file is missing: " + paramsFile.toAbsolutePath());
    }
    Model model = Model.newInstance("student", device, ENGINE);
    try {
      Block block = saved.architecture().newBlock();
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
      checkShapes(block, saved.architecture(), paramsFile);
      for (Pair<String, Parameter> p : block.getParameters()) {
        p.getValue().getArray().setRequiresGradient(true);
      }
      model.setBlock(block);
      return new StudentModel(saved.architecture(), saved.readout(), model, block);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  private record Saved(StudentArchitecture architecture, Readout readout) {}

  private static Saved readConfig(Path file, Path dir) {
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
      if (version == null || !version.canConvertToInt() || version.asInt() < 1 || version.asInt() > FORMAT_VERSION) {
        throw new ModelLoadException(
            "student config file " + file.toAbsolutePath() + " has formatVersion " + version
                + ", this reader supports 1 to " + FORMAT_VERSION);
      }
      JsonNode config = root.get("config");
      if (config == null || !config.isObject()) {
        throw new ModelLoadException(
            "student config file " + file.toAbsolutePath() + " has no \"config\" object");
      }
      if (version.asInt() == 1) {
        StudentArchitecture architecture = StudentArchitectures.fromJson(StudentConfig.KIND, config);
        return new Saved(architecture, Readout.identity(architecture.outputs()));
      }
      JsonNode kind = root.get("architecture");
      JsonNode readout = root.get("readout");
      if (kind == null || !kind.isTextual() || readout == null || !readout.isObject()) {
        throw new ModelLoadException(
            "student config file " + file.toAbsolutePath() + " needs \"architecture\" (a kind name) and a \"readout\" object");
      }
      return new Saved(StudentArchitectures.fromJson(kind.asText(), config, dir), JSON.treeToValue(readout, Readout.class));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new ModelLoadException(
          "corrupt student config file " + file.toAbsolutePath() + ": " + e.getMessage(), e);
    }
  }

  private static void checkShapes(Block block, StudentArchitecture architecture, Path paramsFile) {
    Map<String, Shape> expected = architecture.parameterShapes();
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
    writeAtomically(paramsFile, this::saveParameters);
    for (Map.Entry<String, byte[]> file : architecture.files().entrySet()) {
      if (file.getKey().equals(CONFIG_FILE) || file.getKey().equals(PARAMS_FILE) || file.getKey().contains("/")) {
        throw new IllegalStateException("a student architecture's file must be a plain name other than " + CONFIG_FILE + " and " + PARAMS_FILE + ", got: " + file.getKey());
      }
      writeAtomically(dir.resolve(file.getKey()), out -> out.write(file.getValue()));
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("formatVersion", FORMAT_VERSION);
    root.put("architecture", architecture.kind());
    root.set("config", architecture.toJson());
    root.set("readout", JSON.valueToTree(readout));
    writeAtomically(configFile, out -> JSON.writeValue(out, root));
  }

  /** The parameters alone, in DJL's format (a checkpoint's weights). */
  public void saveParameters(OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    block.saveParameters(data);
    data.flush();
  }

  /** Replaces the parameters with ones written by {@link #saveParameters} (same architecture). */
  public void loadParameters(InputStream in) throws IOException {
    try {
      block.loadParameters(model.getNDManager(), new DataInputStream(new BufferedInputStream(in)));
    } catch (MalformedModelException e) {
      throw new IOException("not this student's parameters: " + e.getMessage(), e);
    }
    for (Pair<String, Parameter> p : block.getParameters()) {
      p.getValue().getArray().setRequiresGradient(true);
    }
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

  public StudentArchitecture architecture() {
    return architecture;
  }

  public Readout readout() {
    return readout;
  }

  /** The featurizer of {@link #architecture()}. */
  public StudentFeaturizer featurizer() {
    return featurizer;
  }

  /** The features of one text. */
  public int[] featurize(String text) {
    return featurizer.featurize(text);
  }

  /** The DJL model holding the block; its NDManager owns the parameters. */
  public Model model() {
    return model;
  }

  public Block block() {
    return block;
  }

  /** Exact parameter count, {@link StudentArchitecture#parameterCount()}. */
  public long parameterCount() {
    return architecture.parameterCount();
  }

  /**
   * Logits [N][outputs] for {@code texts} as one batch, dropout off. An empty list gives an
   * empty array.
   */
  public float[][] logits(List<String> texts) {
    Objects.requireNonNull(texts, "texts must not be null");
    if (texts.isEmpty()) {
      return new float[0][];
    }
    List<int[]> features = new ArrayList<>(texts.size());
    for (String text : texts) {
      features.add(featurizer.featurize(text));
    }
    return logitsOfFeatures(features);
  }

  /** Logits [N][outputs] for already featurized texts, dropout off. */
  public float[][] logitsOfFeatures(List<int[]> features) {
    if (features.isEmpty()) {
      return new float[0][];
    }
    int c = architecture.outputs().size();
    float[] flat;
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager manager = model.getNDManager().newSubManager()) {
      NDList inputs = architecture.inputs(features, manager);
      NDList out = block.forward(new ParameterStore(manager, false), inputs, false);
      flat = out.singletonOrThrow().toFloatArray();
    } finally {
      JniUtils.setGradMode(gradMode);
    }
    float[][] rows = new float[features.size()][c];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(flat, i * c, rows[i], 0, c);
    }
    return rows;
  }

  /** Class probabilities per row: softmax over the class outputs (in double), then the readout ({@link Readout#fromLogits}). */
  public float[][] probabilities(List<String> texts) {
    float[][] logits = logits(texts);
    float[][] out = new float[logits.length][];
    for (int i = 0; i < logits.length; i++) {
      out[i] = readout.auxiliaryOutputs() == 0 ? readout.classProbabilities(Softmax.softmax(logits[i])) : readout.fromLogits(logits[i]);
    }
    return out;
  }

  /** Frees the native parameters. */
  @Override
  public void close() {
    model.close();
  }
}
