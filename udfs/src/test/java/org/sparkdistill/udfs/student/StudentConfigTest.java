package org.sparkdistill.udfs.student;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StudentConfigTest {

  private static final List<String> TWO = List.of("neg", "pos");

  static List<String> labels(int n) {
    return IntStream.range(0, n).mapToObj(i -> "label" + i).toList();
  }

  @Test
  void defaultsAreAsDocumented() {
    StudentConfig c = StudentConfig.defaults(TWO);
    assertThat(c.buckets()).isEqualTo(65536);
    assertThat(c.embeddingDim()).isEqualTo(64);
    assertThat(c.hiddenDim()).isZero();
    assertThat(c.dropout()).isEqualTo(0.2);
    assertThat(c.maxNgram()).isEqualTo(2);
    assertThat(c.maxTokens()).isEqualTo(256);
    assertThat(c.hashSeed()).isEqualTo(17L);
  }

  @Test
  void parameterCountFormula() {
    // (65536 + 1) * 64 embedding rows incl. padding row 0, + 64*20 weights + 20 biases.
    assertThat(StudentConfig.defaults(labels(20)).parameterCount())
        .isEqualTo(65537L * 64 + 64 * 20 + 20)
        .isEqualTo(4_195_668L);
    StudentConfig hidden = new StudentConfig(labels(3), 100, 8, 5, 0.1, 2, 32, 1L);
    assertThat(hidden.parameterCount()).isEqualTo(101 * 8 + 8 * 5 + 5 + 5 * 3 + 3);
  }

  @Test
  void rejectsBadValuesNamingThem() {
    assertThatThrownBy(() -> new StudentConfig(List.of("a"), 10, 4, 0, 0.1, 2, 8, 1))
        .hasMessageContaining("labels").hasMessageContaining(">= 2").hasMessageContaining("1");
    assertThatThrownBy(() -> new StudentConfig(List.of("a", "a"), 10, 4, 0, 0.1, 2, 8, 1))
        .hasMessageContaining("distinct").hasMessageContaining("'a'");
    assertThatThrownBy(() -> new StudentConfig(Arrays.asList("a", null), 10, 4, 0, 0.1, 2, 8, 1))
        .hasMessageContaining("labels[1]").hasMessageContaining("null");
    assertThatThrownBy(() -> new StudentConfig(List.of("a", " "), 10, 4, 0, 0.1, 2, 8, 1))
        .hasMessageContaining("labels[1]").hasMessageContaining("non-blank");
    assertThatThrownBy(() -> new StudentConfig(TWO, 0, 4, 0, 0.1, 2, 8, 1))
        .hasMessageContaining("buckets must be >= 1, got: 0");
    assertThatThrownBy(() -> new StudentConfig(TWO, 10, 0, 0, 0.1, 2, 8, 1))
        .hasMessageContaining("embeddingDim must be >= 1, got: 0");
    assertThatThrownBy(() -> new StudentConfig(TWO, 10, 4, -1, 0.1, 2, 8, 1))
        .hasMessageContaining("hiddenDim must be >= 0").hasMessageContaining("-1");
    assertThatThrownBy(() -> new StudentConfig(TWO, 10, 4, 0, 1.0, 2, 8, 1))
        .hasMessageContaining("dropout must be in [0, 1), got: 1.0");
    assertThatThrownBy(() -> new StudentConfig(TWO, 10, 4, 0, Double.NaN, 2, 8, 1))
        .hasMessageContaining("dropout").hasMessageContaining("NaN");
    assertThatThrownBy(() -> new StudentConfig(TWO, 10, 4, 0, 0.1, 3, 8, 1))
        .hasMessageContaining("maxNgram must be 1 or 2, got: 3");
    assertThatThrownBy(() -> new StudentConfig(TWO, 10, 4, 0, 0.1, 2, 0, 1))
        .hasMessageContaining("maxTokens must be >= 1, got: 0");
    assertThatThrownBy(() -> new StudentConfig(TWO, 1 << 30, 64, 0, 0.1, 2, 8, 1))
        .hasMessageContaining("(buckets + 1) * embeddingDim");
  }

  @Test
  void labelsAreCopiedAndImmutable() {
    List<String> mutable = new ArrayList<>(TWO);
    StudentConfig c = StudentConfig.defaults(mutable);
    mutable.set(0, "changed");
    assertThat(c.labels()).containsExactly("neg", "pos");
    assertThatThrownBy(() -> c.labels().add("x")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void jacksonAndJavaSerializationRoundTrip() throws Exception {
    StudentConfig c = new StudentConfig(List.of("b", "a", "c"), 123, 7, 3, 0.25, 1, 99, -5L);
    ObjectMapper json = new ObjectMapper();
    String text = json.writeValueAsString(c);
    assertThat(text).doesNotContain("parameterCount").doesNotContain("numClasses");
    assertThat(json.readValue(text, StudentConfig.class)).isEqualTo(c);

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(c);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat(in.readObject()).isEqualTo(c);
    }
  }
}
