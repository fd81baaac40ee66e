package org.sparkdistill.udfs.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A "whole-model TorchScript" teacher: a scripted module with the contract
 *
 * <pre>
 * forward(input_ids: Tensor[int64, B×L], attention_mask: Tensor[int64, B×L], mc: Tensor[bool, 0-dim])
 *     -&gt; (logits: Tensor[float32, B×C], features: Tensor[float32, B×D])
 * </pre>
 *
 * where {@code mc} switches <em>functional</em> dropout on ({@code F.dropout(x, p, training=bool(mc))})
 * and {@code features} is the input of the final linear layer, taken before the MC dropout. See
 * {@code udfs/src/test/resources/teachers/make_tiny_teacher.py} for how to export one.
 *
 * <p>The module is always run with {@code training=false} (eval mode: no BatchNorm batch
 * statistics, and DJL's native forward does not record autograd) and additionally under libtorch
 * grad mode off ({@link JniUtils#setGradMode}, restored afterwards: libtorch's grad mode is
 * thread-local and DJL turns it off only on the thread that initialised the engine). The train/eval
 * flag is never toggled, so deterministic ({@code mc=false}) forwards may run concurrently from
 * several threads. Do not {@link #close()} while forwards are in flight.
 *
 * <p><b>Monte-Carlo dropout and reproducibility.</b> libtorch has one process-wide random generator.
 * Every {@code mc=true} forward therefore runs under a lock shared by all {@code TorchScriptTeacher}
 * instances in the JVM (a per-instance lock would not stop another teacher drawing from the same
 * generator between the seeding and the draw), so MC passes are serialised JVM-wide while eval
 * passes are not. {@link #forward(long[][], long[][], boolean, long)} seeds the generator
 * ({@link JniUtils#setSeed}, i.e. {@code torch::manual_seed}) inside that lock: the same batch
 * composition (same rows, same order, same padded length) and the same seed give bit-identical
 * outputs; a row's dropout mask depends on its position in the batch, so a differently composed
 * batch gives different masks. Code that draws from libtorch's generator without going through this
 * class (for example a DJL {@code Dropout} block in training) is not covered by the lock and must not
 * run concurrently with seeded MC passes. One instance per executor JVM, shared by all task threads,
 * is therefore safe in this sense.
 */
public final class TorchScriptTeacher implements AutoCloseable {

  /** Serialises every forward that draws from libtorch's process-wide RNG. */
  private static final ReentrantLock RNG_LOCK = org.sparkdistill.udfs.train.TorchRandom.LOCK;

  /** Teacher outputs copied to the Java heap: {@code logits[B][C]}, {@code features[B][D]}. */
  public record Output(float[][] logits, float[][] features) {}

  private final Path file;
  private final Model model;
  private final PtSymbolBlock block;
  private volatile boolean closed;

  private TorchScriptTeacher(Path file, Model model, PtSymbolBlock block) {
    this.file = file;
    this.model = model;
    this.block = block;
  }

  /**
   * Loads a TorchScript archive on {@code device} with DJL's PyTorch engine.
   *
   * @throws IllegalArgumentException if {@code ptFile} is not an existing regular file
   * @throws TeacherLoadException if the file is not a valid TorchScript archive or the engine fails
   */
  public static TorchScriptTeacher load(Path ptFile, Device device) {
    Objects.requireNonNull(ptFile, "ptFile");
    Objects.requireNonNull(device, "device");
    Path file = ptFile.toAbsolutePath().normalize();
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "TorchScript teacher file not found (or not a regular file): " + file);
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("TorchScript teacher file is not readable: " + file);
    }
    Criteria<NDList, NDList> criteria =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(file)
            .optEngine("PyTorch")
            .optDevice(device)
            .optTranslator(new NoopTranslator())
            .build();
    Model model;
    try {
      model = criteria.loadModel();
    } catch (MalformedModelException | EngineException e) {
      throw notTorchScript(file, e);
    } catch (ModelNotFoundException | IOException e) {
      throw new TeacherLoadException(file, "Could not load TorchScript teacher " + file + ": " + e, e);
    }
    if (!(model.getBlock() instanceof PtSymbolBlock block)) {
      String got = model.getBlock() == null ? "null" : model.getBlock().getClass().getName();
      model.close();
      throw new TeacherLoadException(
          file, "Teacher " + file + " did not load as a TorchScript module (block: " + got + ")", null);
    }
    return new TorchScriptTeacher(file, model, block);
  }

  private static TeacherLoadException notTorchScript(Path file, Exception e) {
    return new TeacherLoadException(
        file,
        "Teacher file "
            + file
            + " is not a valid TorchScript archive (export it with torch.jit.script(...) and"
            + " torch.jit.save(...)): "
            + e.getMessage(),
        e);
  }

  /** The loaded file (absolute). */
  public Path file() {
    return file;
  }

  /** The device the module and its inputs live on. */
  public Device device() {
    return model.getNDManager().getDevice();
  }

  /**
   * Runs the teacher once. Rows must already be padded to one length by the caller. With {@code
   * mc=false} the result is deterministic; with {@code mc=true} dropout draws from libtorch's
   * process-wide generator in its current state (not reproducible; use the seeded overload).
   */
  public Output forward(long[][] inputIds, long[][] attentionMask, boolean mc) {
    if (!mc) {
      return run(inputIds, attentionMask, false);
    }
    RNG_LOCK.lock();
    try {
      return run(inputIds, attentionMask, true);
    } finally {
      RNG_LOCK.unlock();
    }
  }

  /**
   * Seeds libtorch's generator with {@code seed} and runs the teacher, atomically with respect to
   * every other MC forward in this JVM. The same batch (composition, order, padding) and seed give
   * identical outputs. With {@code mc=false} the seed has no effect on the result.
   */
  public Output forward(long[][] inputIds, long[][] attentionMask, boolean mc, long seed) {
    RNG_LOCK.lock();
    try {
      JniUtils.setSeed(seed);
      return run(inputIds, attentionMask, mc);
    } finally {
      RNG_LOCK.unlock();
    }
  }

  private Output run(long[][] inputIds, long[][] attentionMask, boolean mc) {
    if (closed) {
      throw new IllegalStateException("TorchScript teacher " + file + " is closed");
    }
    int batch = checkInputs(inputIds, attentionMask);
    if (batch == 0) {
      return new Output(new float[0][], new float[0][]);
    }
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager manager = model.getNDManager().newSubManager()) {
      NDArray ids = manager.create(inputIds);
      NDArray mask = manager.create(attentionMask);
      NDArray flag = manager.create(mc);
      NDList out = block.forward(new ParameterStore(manager, false), new NDList(ids, mask, flag), false);
      if (out.size() != 2) {
        throw new IllegalStateException(
            "Teacher "
                + file
                + " must return a tuple (logits[B,C], features[B,D]); got "
                + out.size()
                + " output(s) with shapes "
                + shapes(out));
      }
      float[][] logits = toMatrix(out.get(0), "logits", batch);
      float[][] features = toMatrix(out.get(1), "features", batch);
      return new Output(logits, features);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  private int checkInputs(long[][] inputIds, long[][] attentionMask) {
    Objects.requireNonNull(inputIds, "inputIds");
    Objects.requireNonNull(attentionMask, "attentionMask");
    if (inputIds.length != attentionMask.length) {
      throw new IllegalArgumentException(
          "inputIds has " + inputIds.length + " rows but attentionMask has " + attentionMask.length);
    }
    if (inputIds.length == 0) {
      return 0;
    }
    int len = inputIds[0].length;
    if (len == 0) {
      throw new IllegalArgumentException("rows must hold at least one token");
    }
    for (int i = 0; i < inputIds.length; i++) {
      if (inputIds[i].length != len || attentionMask[i].length != len) {
        throw new IllegalArgumentException(
            "rows must be padded to one length: row 0 has "
                + len
                + ", row "
                + i
                + " has inputIds "
                + inputIds[i].length
                + " and attentionMask "
                + attentionMask[i].length);
      }
    }
    return inputIds.length;
  }

  private float[][] toMatrix(NDArray array, String name, int batch) {
    Shape shape = array.getShape();
    if (shape.dimension() != 2 || shape.get(0) != batch) {
      throw new IllegalStateException(
          "Teacher "
              + file
              + ": expected "
              + name
              + " of shape ["
              + batch
              + ", N] (batch "
              + batch
              + "), got "
              + shape);
    }
    DataType type = array.getDataType();
    if (!type.isFloating()) {
      throw new IllegalStateException(
          "Teacher " + file + ": expected " + name + " to be float32, got " + type);
    }
    NDArray f32 = type == DataType.FLOAT32 ? array : array.toType(DataType.FLOAT32, false);
    float[] flat = f32.toFloatArray();
    int cols = (int) shape.get(1);
    float[][] rows = new float[batch][];
    for (int i = 0; i < batch; i++) {
      rows[i] = Arrays.copyOfRange(flat, i * cols, (i + 1) * cols);
    }
    return rows;
  }

  private static String shapes(NDList list) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < list.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(list.get(i).getShape());
    }
    return sb.append(']').toString();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      model.close();
    }
  }
}
