package org.sparkdistill.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchScriptTeacherTest {

  private static TorchScriptTeacher teacher;
  private static JsonNode expected;

  // A bigger batch so MC dropout (p=0.1 over 16 features) surely changes something.
  private static final long[][] IDS = {
    {101, 7592, 2088, 102, 0, 0}, {101, 2023, 2003, 1037, 3231, 102}, {101, 1, 2, 3, 102, 0},
    {101, 500, 600, 700, 800, 102}
  };
  private static final long[][] MASK = {
    {1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1, 1}
  };

  static Path resource(String name) throws URISyntaxException {
    return Path.of(TorchScriptTeacherTest.class.getResource("/teachers/" + name).toURI());
  }

  @BeforeAll
  static void load() throws Exception {
    teacher = TorchScriptTeacher.load(resource("tiny-teacher.pt"), Device.cpu());
    try (InputStream in = Files.newInputStream(resource("tiny-teacher-expected.json"))) {
      expected = new ObjectMapper().readTree(in);
    }
  }

  @AfterAll
  static void close() {
    if (teacher != null) {
      teacher.close();
    }
  }

  private static long[][] longs(JsonNode node) {
    long[][] out = new long[node.size()][];
    for (int i = 0; i < node.size(); i++) {
      out[i] = new long[node.get(i).size()];
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] = node.get(i).get(j).asLong();
      }
    }
    return out;
  }

  private static void assertClose(float[][] actual, JsonNode want) {
    assertThat(actual).hasNumberOfRows(want.size());
    for (int i = 0; i < want.size(); i++) {
      assertThat(actual[i]).hasSize(want.get(i).size());
      for (int j = 0; j < want.get(i).size(); j++) {
        assertThat((double) actual[i][j]).isCloseTo(want.get(i).get(j).asDouble(), within(1e-5));
      }
    }
  }

  @Test
  void evalOutputsMatchPython() throws Exception {
    JsonNode sidecar = new ObjectMapper().readTree(resource("tiny-teacher.json").toFile());
    int labels = sidecar.get("labels").size();
    int featureDim = sidecar.get("featureDim").asInt();
    assertThat(expected.get("cases")).hasSize(2);
    for (JsonNode c : expected.get("cases")) {
      TorchScriptTeacher.Output out =
          teacher.forward(longs(c.get("input_ids")), longs(c.get("attention_mask")), false);
      assertClose(out.logits(), c.get("logits"));
      assertClose(out.features(), c.get("features"));
      assertThat(out.logits()[0]).hasSize(labels);
      assertThat(out.features()[0]).hasSize(featureDim);
    }
  }

  @Test
  void evalIsDeterministic() {
    TorchScriptTeacher.Output a = teacher.forward(IDS, MASK, false);
    TorchScriptTeacher.Output b = teacher.forward(IDS, MASK, false);
    TorchScriptTeacher.Output c = teacher.forward(IDS, MASK, false, 123L);
    assertThat(b.logits()).isDeepEqualTo(a.logits());
    assertThat(b.features()).isDeepEqualTo(a.features());
    assertThat(c.logits()).isDeepEqualTo(a.logits());
  }

  @Test
  void mcDropoutChangesLogitsButNotFeatures() {
    TorchScriptTeacher.Output eval = teacher.forward(IDS, MASK, false);
    TorchScriptTeacher.Output mc = teacher.forward(IDS, MASK, true);
    assertThat(flatten(mc.logits())).isNotEqualTo(flatten(eval.logits()));
    // features are taken before the MC dropout
    assertThat(mc.features()).isDeepEqualTo(eval.features());
  }

  @Test
  void seededMcIsReproducible() {
    TorchScriptTeacher.Output a = teacher.forward(IDS, MASK, true, 42L);
    teacher.forward(IDS, MASK, true); // disturb the generator in between
    TorchScriptTeacher.Output b = teacher.forward(IDS, MASK, true, 42L);
    TorchScriptTeacher.Output c = teacher.forward(IDS, MASK, true, 43L);
    assertThat(b.logits()).isDeepEqualTo(a.logits());
    assertThat(flatten(c.logits())).isNotEqualTo(flatten(a.logits()));
  }

  @Test
  void seededMcIsReproducibleUnderConcurrency() throws Exception {
    float[] want = flatten(teacher.forward(IDS, MASK, true, 7L).logits());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> seeded = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        seeded.add(pool.submit(() -> flatten(teacher.forward(IDS, MASK, true, 7L).logits())));
        pool.submit(() -> teacher.forward(IDS, MASK, true)); // unseeded MC traffic
        pool.submit(() -> teacher.forward(IDS, MASK, false));
      }
      for (Future<float[]> f : seeded) {
        assertThat(f.get()).isEqualTo(want);
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void emptyBatchAndRaggedRows() {
    TorchScriptTeacher.Output empty = teacher.forward(new long[0][], new long[0][], true, 1L);
    assertThat(empty.logits()).isEmpty();
    assertThatThrownBy(() -> teacher.forward(new long[][] {{1, 2}, {1}}, new long[][] {{1, 1}, {1}}, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("padded to one length");
  }

  @Test
  void mcFlagIsAZeroDimBool() {
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      NDArray flag = m.create(true);
      assertThat(flag.getShape().dimension()).isZero();
      assertThat(flag.getDataType()).isEqualTo(ai.djl.ndarray.types.DataType.BOOLEAN);
    }
  }

  @Test
  void missingFileIsAClearError(@TempDir Path dir) {
    Path missing = dir.resolve("nope.pt");
    assertThatThrownBy(() -> TorchScriptTeacher.load(missing, Device.cpu()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not found")
        .hasMessageContaining(missing.toString());
  }

  @Test
  void corruptFileIsAClearError(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("corrupt.pt");
    byte[] garbage = new byte[4096];
    new Random(1).nextBytes(garbage);
    Files.write(bad, garbage);
    assertThatThrownBy(() -> TorchScriptTeacher.load(bad, Device.cpu()))
        .isInstanceOf(TeacherLoadException.class)
        .hasMessageContaining(bad.toAbsolutePath().toString())
        .hasMessageContaining("not a valid TorchScript archive");
  }

  @Test
  void closedTeacherRefusesWork() throws Exception {
    TorchScriptTeacher t = TorchScriptTeacher.load(resource("tiny-teacher.pt"), Device.cpu());
    t.close();
    t.close(); // idempotent
    assertThatThrownBy(() -> t.forward(IDS, MASK, false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  private static float[] flatten(float[][] m) {
    int n = 0;
    for (float[] r : m) {
      n += r.length;
    }
    float[] out = new float[n];
    int k = 0;
    for (float[] r : m) {
      System.arraycopy(r, 0, out, k, r.length);
      k += r.length;
    }
    return out;
  }
}
