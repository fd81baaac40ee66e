package org.sparkdistill.udfs.student;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.udfs.model.ModelLoadException;

class StudentModelTest {

  private static final List<String> TEXTS =
      List.of("The cat sat on the mat", "", "dogs bark loudly at night", "Ünïcödé text 42");

  private static StudentConfig small(int hidden) {
    return new StudentConfig(List.of("x", "y", "z"), 1000, 8, hidden, 0.3, 2, 32, 5L);
  }

  private static long sumOfParameterSizes(StudentModel m) {
    long total = 0;
    for (Pair<String, Parameter> p : m.block().getParameters()) {
      total += p.getValue().getArray().size();
    }
    return total;
  }

  private static List<float[]> parameterValues(StudentModel m) {
    List<float[]> out = new ArrayList<>();
    for (Pair<String, Parameter> p : m.block().getParameters()) {
      out.add(p.getValue().getArray().toFloatArray());
    }
    return out;
  }

  @Test
  void parameterCountMatchesDjlParameters() {
    for (int hidden : new int[] {0, 6}) {
      try (StudentModel m = StudentModel.create(small(hidden), 1)) {
        assertThat(m.parameterCount()).isEqualTo(sumOfParameterSizes(m))
            .isEqualTo(small(hidden).parameterCount());
      }
    }
    List<String> twenty = IntStream.range(0, 20).mapToObj(i -> "l" + i).toList();
    try (StudentModel m = StudentModel.create(StudentConfig.defaults(twenty), 1)) {
      assertThat(sumOfParameterSizes(m)).isEqualTo(m.parameterCount()).isEqualTo(4_195_668L);
      NDArray emb = m.block().getParameters().get("embedding").getArray();
      assertThat(emb.getShape().getShape()).containsExactly(65537, 64);
      // padding row 0 starts at zero
      assertThat(emb.get(0).abs().sum().getFloat()).isZero();
    }
  }

  @Test
  void initialisationIsDeterministicInTheSeed() {
    try (StudentModel a = StudentModel.create(small(4), 99);
        StudentModel b = StudentModel.create(small(4), 99);
        StudentModel c = StudentModel.create(small(4), 100)) {
      List<float[]> va = parameterValues(a);
      List<float[]> vb = parameterValues(b);
      List<float[]> vc = parameterValues(c);
      for (int i = 0; i < va.size(); i++) {
        assertThat(vb.get(i)).containsExactly(va.get(i));
      }
      assertThat(vc.get(0)).isNotEqualTo(va.get(0));
      assertThat(a.block().getParameters().get("embedding").getArray().hasGradient()).isTrue();
    }
  }

  @Test
  void logitsAndProbabilities() {
    try (StudentModel m = StudentModel.create(small(0), 3)) {
      float[][] logits = m.logits(TEXTS);
      assertThat(logits).hasNumberOfRows(4);
      assertThat(logits[0]).hasSize(3);
      // the empty text pools to a zero vector: logits = output bias (zero at init)
      assertThat(logits[1]).containsExactly(0f, 0f, 0f);
      // batching does not change a row's logits
      assertThat(m.logits(List.of(TEXTS.get(2)))[0]).containsExactly(logits[2], within(1e-6f));
      // repeated calls are identical (dropout off)
      assertThat(m.logits(TEXTS)).isDeepEqualTo(logits);
      float[][] p = m.probabilities(TEXTS);
      for (float[] row : p) {
        double sum = 0;
        for (float v : row) {
          sum += v;
        }
        assertThat(sum).isCloseTo(1.0, within(1e-6));
      }
      assertThat(m.logits(List.of())).isEmpty();
    }
  }

  @Test
  void saveLoadGivesIdenticalLogits(@TempDir Path dir) throws Exception {
    for (int hidden : new int[] {0, 5}) {
      Path out = dir.resolve("h" + hidden);
      float[][] before;
      try (StudentModel m = StudentModel.create(small(hidden), 7)) {
        before = m.logits(TEXTS);
        m.save(out);
      }
      assertThat(out.resolve("student.json")).exists();
      assertThat(out.resolve("student.params")).exists();
      assertThat(Files.readString(out.resolve("student.json")))
          .contains("\"formatVersion\" : 2").contains("\"architecture\" : \"ngram-bag\"").contains("\"labels\" : [ \"x\", \"y\", \"z\" ]");
      try (StudentModel loaded = StudentModel.load(out)) {
        assertThat(loaded.architecture()).isEqualTo(small(hidden));
        assertThat(loaded.logits(TEXTS)).isDeepEqualTo(before);
        assertThat(sumOfParameterSizes(loaded)).isEqualTo(loaded.parameterCount());
        assertThat(loaded.block().getParameters().get("embedding").getArray().hasGradient())
            .isTrue();
      }
    }
  }

  @Test
  void loadErrorsNameTheFile(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> StudentModel.load(missing))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining(missing.toString());

    Path good = dir.resolve("good");
    try (StudentModel m = StudentModel.create(small(0), 7)) {
      m.save(good);
    }
    byte[] params = Files.readAllBytes(good.resolve("student.params"));
    String json = Files.readString(good.resolve("student.json"));

    Path noJson = copy(good, dir.resolve("noJson"));
    Files.delete(noJson.resolve("student.json"));
    assertThatThrownBy(() -> StudentModel.load(noJson))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("missing").hasMessageContaining(noJson.resolve("student.json").toString());

    Path noParams = copy(good, dir.resolve("noParams"));
    Files.delete(noParams.resolve("student.params"));
    assertThatThrownBy(() -> StudentModel.load(noParams))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("missing")
        .hasMessageContaining(noParams.resolve("student.params").toString());

    Path truncated = copy(good, dir.resolve("truncated"));
    Files.write(truncated.resolve("student.params"), java.util.Arrays.copyOf(params, params.length / 2));
    assertThatThrownBy(() -> StudentModel.load(truncated))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("truncated")
        .hasMessageContaining(truncated.resolve("student.params").toString());

    Path garbage = copy(good, dir.resolve("garbage"));
    Files.write(garbage.resolve("student.params"), "not parameters".getBytes());
    assertThatThrownBy(() -> StudentModel.load(garbage))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(garbage.resolve("student.params").toString());

    Path trailing = copy(good, dir.resolve("trailing"));
    byte[] longer = java.util.Arrays.copyOf(params, params.length + 3);
    Files.write(trailing.resolve("student.params"), longer);
    assertThatThrownBy(() -> StudentModel.load(trailing))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("trailing")
        .hasMessageContaining(trailing.resolve("student.params").toString());

    Path badJson = copy(good, dir.resolve("badJson"));
    Files.writeString(badJson.resolve("student.json"), json.substring(0, json.length() / 2));
    assertThatThrownBy(() -> StudentModel.load(badJson))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(badJson.resolve("student.json").toString());

    Path badConfig = copy(good, dir.resolve("badConfig"));
    Files.writeString(badConfig.resolve("student.json"), json.replace("\"buckets\" : 1000", "\"buckets\" : -4"));
    assertThatThrownBy(() -> StudentModel.load(badConfig))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(badConfig.resolve("student.json").toString())
        .hasMessageContaining("buckets must be >= 1, got: -4");

    Path mismatch = copy(good, dir.resolve("mismatch"));
    Files.writeString(mismatch.resolve("student.json"), json.replace("\"buckets\" : 1000", "\"buckets\" : 999"));
    assertThatThrownBy(() -> StudentModel.load(mismatch))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(mismatch.resolve("student.params").toString())
        .hasMessageContaining("does not match");

    Path missingField = copy(good, dir.resolve("missingField"));
    Files.writeString(missingField.resolve("student.json"), json.replaceAll(",\\s*\"hashSeed\" : 5", ""));
    assertThatThrownBy(() -> StudentModel.load(missingField))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(missingField.resolve("student.json").toString())
        .hasMessageContaining("hashSeed");

    Path version = copy(good, dir.resolve("version"));
    Files.writeString(version.resolve("student.json"), json.replace("\"formatVersion\" : 2", "\"formatVersion\" : 3"));
    assertThatThrownBy(() -> StudentModel.load(version))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("formatVersion 3")
        .hasMessageContaining(version.resolve("student.json").toString());

    // Version 1 (before the architecture seam): an n-gram student, one output per class.
    Path v1 = copy(good, dir.resolve("v1"));
    String v1Json =
        json.replace("\"formatVersion\" : 2", "\"formatVersion\" : 1")
            .replaceAll("\"architecture\" : \"ngram-bag\",\\s*", "")
            .replaceAll(",\\s*\"readout\" : \\{[^}]*\\}", "");
    assertThat(v1Json).doesNotContain("readout").doesNotContain("architecture");
    Files.writeString(v1.resolve("student.json"), v1Json);
    try (StudentModel old = StudentModel.load(v1)) {
      assertThat(old.readout().isIdentity()).isTrue();
      assertThat(old.architecture().kind()).isEqualTo("ngram-bag");
    }
  }

  private static Path copy(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    for (String f : List.of("student.json", "student.params")) {
      Files.copy(from.resolve(f), to.resolve(f));
    }
    return to;
  }

  @Test
  void concurrentCallersGetTheSameLogits() throws Exception {
    try (StudentModel m = StudentModel.create(small(4), 11)) {
      List<String> texts = randomTexts(64, 20, new Random(1));
      float[][] expected = m.logits(texts);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[][]>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          results.add(pool.submit(() -> m.logits(texts)));
        }
        for (Future<float[][]> f : results) {
          assertThat(f.get()).isDeepEqualTo(expected);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  static List<String> randomTexts(int n, int words, Random rng) {
    String[] vocab =
        ("the a of and to in is was for on that with as it by at from this be have not are "
                + "film movie good bad great plot actor story scene music ending long short "
                + "funny boring love hate best worst character director script watch")
            .split(" ");
    List<String> texts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      for (int w = 0; w < words; w++) {
        sb.append(vocab[rng.nextInt(vocab.length)]).append(w % 9 == 8 ? ". " : " ");
      }
      texts.add(sb.toString());
    }
    return texts;
  }

  /** Throughput of probabilities() with the defaults and 20 labels, one thread, batch 32. */
  @Test
  void throughputOfDefaults() {
    List<String> twenty = IntStream.range(0, 20).mapToObj(i -> "l" + i).toList();
    List<String> texts = randomTexts(1000, 60, new Random(2));
    try (StudentModel m = StudentModel.create(StudentConfig.defaults(twenty), 1)) {
      for (int warm = 0; warm < 2; warm++) {
        long t0 = System.nanoTime();
        int rows = 0;
        for (int i = 0; i < texts.size(); i += 32) {
          rows += m.probabilities(texts.subList(i, Math.min(texts.size(), i + 32))).length;
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
            Locale.ROOT, "student probabilities: %d rows in %.3f s = %.0f rows/s (pass %d)%n",
            rows, s, rows / s, warm);
        assertThat(rows).isEqualTo(1000);
      }
    }
  }
}
