package org.sparkdistill.udfs.transformer;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sparkdistill.udfs.model.TeacherLoadException;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.uncertainty.McDropoutStatistics;
import org.sparkdistill.udfs.uncertainty.Softmax;

/**
 * A fine-tuned BERT teacher loaded for scoring: deterministic logits and features, and Monte-Carlo
 * dropout over the head and the top {@code mcLayers} encoder layers with masks keyed by (row, pass,
 * site, layer, seed) (the lower layers run once per batch, the top ones K times: K = 16 with one MC
 * layer of six costs about 1 + 16/6 forwards instead of 17). The masks come from {@link
 * McMasks#TENSOR} ({@link TensorSeededDropout}) unless a caller asks for the Java baseline {@link
 * McMasks#JAVA} ({@link SeededDropout}); the tensor masks' index table is built on the first MC
 * batch (one per teacher, {@link TensorDropoutMasks}).
 *
 * <p>One instance per executor JVM, shared by task threads: forwards only read the parameters, run
 * under libtorch grad mode off (set per call; it is thread-local), each in its own sub-manager, and
 * never draw from libtorch's generator, so nothing is serialised behind a lock.
 */
public final class FineTunedTeacher implements AutoCloseable {
  private final FineTunedMeta meta;
  private final NDManager manager;
  private final BertClassifier model;
  private volatile TensorDropoutMasks tensorMasks;

  private FineTunedTeacher(FineTunedMeta meta, NDManager manager, BertClassifier model) {
    this.meta = meta;
    this.manager = manager;
    this.model = model;
  }

  /** Writes {@code model}'s parameters (DJL's parameter format) to {@code out}. */
  public static void saveParameters(BertClassifier model, OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    model.saveParameters(data);
    data.flush();
  }

  /**
   * Loads the parameters in {@code paramsFile}, described by {@code meta}, on {@code device}.
   *
   * @throws TeacherLoadException naming the file when it does not hold a model of {@code meta}'s shape
   */
  public static FineTunedTeacher load(Path paramsFile, FineTunedMeta meta, Device device) {
    if (meta.format() != FineTunedMeta.FORMAT) {
      throw new TeacherLoadException(paramsFile, "fine-tuned teacher " + paramsFile + " has artifact format " + meta.format() + ", this build reads " + FineTunedMeta.FORMAT + ": retrain it", null);
    }
    NDManager manager = NDManager.newBaseManager(device, "PyTorch");
    BertClassifier model = BertClassifier.empty(meta.shape(), meta.labels().size(), meta.hiddenDropout(), meta.attentionDropout(), meta.headDropout(), meta.normalize());
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(paramsFile), 1 << 16))) {
      model.loadParameters(manager, in);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      manager.close();
      throw new TeacherLoadException(paramsFile, "fine-tuned teacher parameters " + paramsFile + " do not load as a " + meta.shape() + " classifier over " + meta.labels().size() + " labels: " + e.getMessage(), e);
    }
    return new FineTunedTeacher(meta, manager, model);
  }

  /** A teacher over an in-memory model (tests, the trainer's own check); closing it closes {@code manager}. */
  public static FineTunedTeacher of(BertClassifier model, FineTunedMeta meta, NDManager manager) {
    return new FineTunedTeacher(meta, manager, model);
  }

  public FineTunedMeta meta() {
    return meta;
  }

  public BertClassifier model() {
    return model;
  }

  /** Outputs of one batch: deterministic logits and features, and MC statistics (null without MC passes). */
  public record Scored(float[][] logits, float[][] features, List<McDropoutStatistics> mc) {}

  /**
   * Scores a batch: one deterministic forward, then {@code passes} MC passes over the top {@code
   * mcLayers} layers and the head with {@link McMasks#TENSOR} masks from ({@code rowKeys}, pass,
   * site, layer, {@code seed}).
   *
   * @param mcLayers 0 (head only) to the layer count (whole model)
   */
  public Scored score(TokenizedBatch tokens, long[] rowKeys, int passes, long seed, int mcLayers) {
    return score(tokens, rowKeys, passes, seed, mcLayers, McMasks.TENSOR);
  }

  /** {@link #score(TokenizedBatch, long[], int, long, int)} with the masks of {@code masks}. */
  public Scored score(TokenizedBatch tokens, long[] rowKeys, int passes, long seed, int mcLayers, McMasks masks) {
    if (masks == null) {
      throw new IllegalArgumentException("masks must be one of " + java.util.Arrays.toString(McMasks.values()) + ", got null");
    }
    int layers = meta.shape().layers();
    if (mcLayers < 0 || mcLayers > layers) {
      throw new IllegalArgumentException("teacher.finetune.mcLayers must be in [0, " + layers + "] for this " + layers + "-layer teacher, got " + mcLayers);
    }
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager tmp = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(tmp, false);
      NDList in = FineTuneTrainer.inputs(tmp, tokens);
      NDArray ids = in.get(0);
      NDArray mask = in.get(1);
      int lower = layers - mcLayers;
      BertEncoder encoder = model.encoder();
      NDArray base = mcLayers == layers ? null : encoder.hidden(ps, ids, mask, in.get(2), lower, DropoutPolicy.OFF, false);
      NDArray top = base == null ? encoder.hidden(ps, ids, mask, in.get(2), layers, DropoutPolicy.OFF, false) : encoder.layers(ps, base, mask, lower, layers, DropoutPolicy.OFF, false);
      NDList plain = model.fromHidden(ps, top, mask, DropoutPolicy.OFF, false);
      float[][] logits = rows(plain.get(0));
      float[][] features = rows(plain.get(1));
      if (passes == 0) {
        return new Scored(logits, features, null);
      }
      List<McDropoutStatistics.Accumulator> acc = new ArrayList<>();
      for (int i = 0; i < logits.length; i++) {
        acc.add(new McDropoutStatistics.Accumulator(model.classes()));
      }
      for (int pass = 0; pass < passes; pass++) {
        try (NDManager passManager = tmp.newSubManager()) {
          // An op's result belongs to its first operand's manager: copies of the inputs in this
          // pass's manager make every intermediate of the pass freed when it ends, not at batch end
          // (16 passes of [B, heads, L, L] attention arrays held at once cost hundreds of MB).
          ParameterStore pps = new ParameterStore(passManager, false);
          DropoutPolicy dropout =
              masks == McMasks.JAVA
                  ? new SeededDropout(rowKeys, pass, seed, lower, meta.maxLength())
                  : new TensorSeededDropout(tensorMasks(), rowKeys, pass, seed, lower, meta.maxLength());
          NDArray passMask = inPass(mask, passManager);
          NDArray h =
              base == null
                  ? encoder.hidden(pps, inPass(ids, passManager), passMask, inPass(in.get(2), passManager), layers, dropout, false)
                  : encoder.layers(pps, inPass(base, passManager), passMask, lower, layers, dropout, false);
          float[][] mc = rows(model.fromHidden(pps, h, passMask, dropout, false).get(0));
          for (int i = 0; i < mc.length; i++) {
            acc.get(i).add(Softmax.softmax(mc[i]));
          }
        }
      }
      List<McDropoutStatistics> stats = new ArrayList<>(acc.size());
      for (McDropoutStatistics.Accumulator a : acc) {
        stats.add(a.build());
      }
      return new Scored(logits, features, stats);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** The tensor masks' index table, built once on this teacher's device on first use. */
  private TensorDropoutMasks tensorMasks() {
    TensorDropoutMasks m = tensorMasks;
    if (m == null) {
      synchronized (this) {
        m = tensorMasks;
        if (m == null) {
          BertShape shape = meta.shape();
          m = TensorDropoutMasks.create(manager, meta.maxLength(), shape.heads(), shape.hidden());
          tensorMasks = m;
        }
      }
    }
    return m;
  }

  private static NDArray inPass(NDArray array, NDManager passManager) {
    NDArray copy = array.duplicate();
    copy.attach(passManager);
    return copy;
  }

  private static float[][] rows(NDArray array) {
    int batch = (int) array.getShape().get(0);
    int cols = (int) array.getShape().get(1);
    float[] flat = array.toFloatArray();
    float[][] out = new float[batch][cols];
    for (int i = 0; i < batch; i++) {
      System.arraycopy(flat, i * cols, out[i], 0, cols);
    }
    return out;
  }

  @Override
  public void close() {
    manager.close();
  }
}
