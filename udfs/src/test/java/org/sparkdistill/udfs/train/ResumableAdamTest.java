package org.sparkdistill.udfs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.udfs.student.StudentConfig;
import org.sparkdistill.udfs.student.StudentModel;

class ResumableAdamTest {

  private static final StudentConfig CONFIG =
      new StudentConfig(CatDogTask.LABELS, 512, 8, 6, 0.2, 2, 32, 3L);

  private static ResumableAdam adam() {
    return new ResumableAdam(0.01, 0.9, 0.99, 1e-7, 1e-3);
  }

  private static List<float[]> values(StudentModel m) {
    List<float[]> out = new ArrayList<>();
    for (Pair<String, Parameter> p : m.block().getParameters()) {
      out.add(p.getValue().getArray().toFloatArray());
    }
    return out;
  }

  @Test
  void resumedRunMatchesUninterruptedRunExactly(@TempDir Path dir) throws IOException {
    CatDogTask task = new CatDogTask(64, 9);
    KdLoss loss = new KdLoss(0.3, 2.0);
    int k = 7;
    int n = 6;

    List<float[]> uninterrupted;
    try (StudentModel m = StudentModel.create(CONFIG, 1); ResumableAdam opt = adam()) {
      task.train(m, opt, loss, 16, 0, k + n);
      uninterrupted = values(m);
      assertThat(opt.steps()).isEqualTo(k + n);
    }

    byte[] state;
    try (StudentModel m = StudentModel.create(CONFIG, 1); ResumableAdam opt = adam()) {
      task.train(m, opt, loss, 16, 0, k);
      m.save(dir);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      opt.save(bytes);
      state = bytes.toByteArray();
    }
    List<float[]> resumed;
    try (StudentModel m = StudentModel.load(dir); ResumableAdam opt = adam()) {
      opt.load(new ByteArrayInputStream(state), m.block(), m.model().getNDManager());
      assertThat(opt.steps()).isEqualTo(k);
      task.train(m, opt, loss, 16, k, k + n);
      resumed = values(m);
    }

    assertThat(resumed).hasSameSizeAs(uninterrupted);
    for (int i = 0; i < resumed.size(); i++) {
      assertThat(resumed.get(i)).as("parameter %d", i).containsExactly(uninterrupted.get(i));
    }

    // without the optimiser state (fresh moments, step 0) the run differs: the state matters
    try (StudentModel m = StudentModel.load(dir); ResumableAdam opt = adam()) {
      task.train(m, opt, loss, 16, k, k + n);
      assertThat(values(m).get(0)).isNotEqualTo(uninterrupted.get(0));
    }
  }

  /** One step on a single weight against the formula written out by hand. */
  @Test
  void singleStepMatchesTheFormula() {
    try (NDManager manager = NDManager.newBaseManager("PyTorch");
        ResumableAdam opt = new ResumableAdam(0.1, 0.9, 0.999, 1e-8, 0.5)) {
      ai.djl.nn.core.Linear lin = ai.djl.nn.core.Linear.builder().setUnits(1).optBias(false).build();
      lin.setInitializer((m, shape, type) -> m.create(new float[] {2f}, shape), Parameter.Type.WEIGHT);
      lin.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 1));
      NDArray w = lin.getParameters().get("weight").getArray();
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        gc.backward(w.mul(3f).sum()); // dL/dw = 3
      }
      opt.step(lin);
      // g = 3 + 0.5·2 = 4; m = 0.4, v = 0.016; m̂ = 4, v̂ = 16; w = 2 − 0.1·4/(4 + 1e-8) = 1.9
      assertThat(w.toFloatArray()[0]).isEqualTo(1.9f);
      assertThat(w.getGradient().toFloatArray()[0]).isZero();
      assertThat(opt.steps()).isEqualTo(1);
    }
  }

  @Test
  void loadRejectsMismatches(@TempDir Path dir) throws IOException {
    CatDogTask task = new CatDogTask(32, 1);
    byte[] state;
    try (StudentModel m = StudentModel.create(CONFIG, 1); ResumableAdam opt = adam()) {
      task.train(m, opt, new KdLoss(0.5, 1.0), 16, 0, 2);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      opt.save(bytes);
      state = bytes.toByteArray();
    }
    StudentConfig other = new StudentConfig(CatDogTask.LABELS, 256, 8, 6, 0.2, 2, 32, 3L);
    try (StudentModel m = StudentModel.create(other, 1);
        ResumableAdam opt = adam();
        ResumableAdam lr = new ResumableAdam(0.02, 0.9, 0.99, 1e-7, 1e-3)) {
      assertThatThrownBy(() -> opt.load(new ByteArrayInputStream(state), m.block(), m.model().getNDManager()))
          .isInstanceOf(IOException.class).hasMessageContaining("embedding").hasMessageContaining("(513, 8)");
      assertThatThrownBy(() -> lr.load(new ByteArrayInputStream(state), m.block(), m.model().getNDManager()))
          .isInstanceOf(IOException.class).hasMessageContaining("learningRate = 0.01");
      assertThatThrownBy(() -> opt.load(new ByteArrayInputStream(new byte[] {1, 2, 3, 4}), m.block(), m.model().getNDManager()))
          .isInstanceOf(IOException.class).hasMessageContaining("not a ResumableAdam state");
    }
    assertThatThrownBy(() -> new ResumableAdam(0, 0.9, 0.99, 1e-8, 0))
        .hasMessageContaining("learningRate must be finite and > 0, got: 0.0");
    assertThatThrownBy(() -> new ResumableAdam(0.1, 1.0, 0.99, 1e-8, 0))
        .hasMessageContaining("beta1 must be in [0, 1), got: 1.0");
  }
}
