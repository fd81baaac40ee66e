package org.sparkdistill.udfs.kgc;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sparkdistill.udfs.model.TeacherLoadException;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.transformer.FineTuneTrainer;

/**
 * A fine-tuned bi-encoder loaded for inference: unit vectors of query or entity texts, dropout
 * off. One instance per executor JVM and device, shared by task threads: forwards only read the
 * parameters, run with libtorch grad mode off (thread-local, set per call), each in its own
 * sub-manager, and draw nothing from libtorch's generator, so no lock is held.
 */
public final class LoadedBiEncoder implements AutoCloseable {
  /** Which encoder of the pair. */
  public enum Side {
    QUERY,
    ENTITY
  }

  private final NDManager manager;
  private final BiEncoder model;

  private LoadedBiEncoder(NDManager manager, BiEncoder model) {
    this.manager = manager;
    this.model = model;
  }

  /**
   * Loads {@code paramsFile}, described by {@code meta}, on {@code device}.
   *
   * @throws TeacherLoadException naming the file when it is not a bi-encoder of {@code meta}'s shape
   */
  public static LoadedBiEncoder load(Path paramsFile, BiEncoderMeta meta, Device device) {
    if (meta.format() != BiEncoderMeta.FORMAT) {
      throw new TeacherLoadException(paramsFile, "bi-encoder " + paramsFile + " has artifact format " + meta.format() + ", this build reads " + BiEncoderMeta.FORMAT + ": rerun pmd-finetune", null);
    }
    NDManager manager = NDManager.newBaseManager(device, "PyTorch");
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(paramsFile)))) {
      BiEncoder model = BiEncoder.empty(meta.shape(), meta.hiddenDropout(), meta.attentionDropout());
      model.loadParameters(manager, in);
      return new LoadedBiEncoder(manager, model);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      manager.close();
      throw new TeacherLoadException(paramsFile, "cannot load the bi-encoder " + paramsFile + " as " + meta.shape() + ": " + e.getMessage(), e);
    }
  }

  /** Unit vectors [B][d] of {@code tokens} through the {@code side} encoder. */
  public float[][] encode(TokenizedBatch tokens, Side side) {
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager tmp = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(tmp, false);
      var inputs = FineTuneTrainer.inputs(tmp, tokens);
      NDArray v = side == Side.QUERY ? model.queries(ps, inputs, false) : model.entities(ps, inputs, false);
      int d = Math.toIntExact(v.getShape().get(1));
      float[] flat = v.toFloatArray();
      float[][] out = new float[tokens.size()][d];
      for (int i = 0; i < out.length; i++) {
        System.arraycopy(flat, i * d, out[i], 0, d);
      }
      return out;
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  public BiEncoder model() {
    return model;
  }

  @Override
  public void close() {
    manager.close();
  }
}
