package org.sparkdistill.udfs.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxParameterCounterTest {
  private static final Path ENCODER_DIR =
      Paths.get(System.getProperty("spark.distill.encoder.dir", "../target/models/all-minilm-l6-v2"));

  @TempDir Path tmp;

  @Test
  void countsTheRealMiniLmEncoder() {
    Path model = ENCODER_DIR.resolve("all-minilm-l6-v2.onnx");
    long parameters = OnnxParameterCounter.count(model);
    // The 22,713,216 usually quoted for all-MiniLM-L6-v2 includes the BERT pooler (384 x 384 + 384 =
    // 147,840), which this export leaves out; it does store the int64 embeddings.position_ids buffer
    // (1 x 512) as an initializer: 22,713,216 - 147,840 + 512 = 22,565,888 (22,565,376 float
    // weights). Cross-checked with python onnx: sum of numpy.prod(dims) over graph.initializer.
    assertThat(parameters).isEqualTo(22_565_888L).isBetween(22_500_000L, 22_800_000L);
  }

  @Test
  void countsPackedUnpackedAndScalarInitializers() throws IOException {
    // 3 x 4 (dims unpacked, with 48 bytes of raw_data to skip) + 5 (dims packed) + scalar 1 = 18
    byte[] t1 = concat(varintField(1, 3), varintField(1, 4), bytesField(9, new byte[48]), bytesField(8, "w".getBytes(StandardCharsets.UTF_8)));
    byte[] t2 = concat(bytesField(1, varint(5)), varintField(2, 1));
    byte[] t3 = concat(varintField(2, 7), bytesField(9, new byte[8]));
    byte[] node = bytesField(1, "x".getBytes(StandardCharsets.UTF_8));
    byte[] graph = concat(bytesField(1, node), bytesField(5, t1), bytesField(2, "g".getBytes(StandardCharsets.UTF_8)), bytesField(5, t2), bytesField(5, t3));
    byte[] model = concat(varintField(1, 8), bytesField(2, "test".getBytes(StandardCharsets.UTF_8)), bytesField(7, graph));
    Path file = Files.write(tmp.resolve("tiny.onnx"), model);
    assertThat(OnnxParameterCounter.count(file)).isEqualTo(18);
  }

  @Test
  void garbageFileIsNotOnnxAndNamesTheFile() throws IOException {
    Path file = Files.writeString(tmp.resolve("notes.onnx"), "this is not an ONNX model\n");
    assertThatThrownBy(() -> OnnxParameterCounter.count(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("is not an ONNX model");
  }

  @Test
  void emptyOrTruncatedFilesAreNotOnnx() throws IOException {
    Path empty = Files.write(tmp.resolve("empty.onnx"), new byte[0]);
    assertThatThrownBy(() -> OnnxParameterCounter.count(empty))
        .hasMessageContaining(empty.toString())
        .hasMessageContaining("no ir_version");
    // a graph field claiming 100 bytes with 2 present
    Path truncated = Files.write(tmp.resolve("truncated.onnx"), concat(varintField(1, 8), new byte[] {(byte) (7 << 3 | 2), 100, 0, 0}));
    assertThatThrownBy(() -> OnnxParameterCounter.count(truncated))
        .hasMessageContaining(truncated.toString())
        .hasMessageContaining("length 100");
  }

  @Test
  void missingFileIsNamed() {
    Path missing = tmp.resolve("absent.onnx");
    assertThatThrownBy(() -> OnnxParameterCounter.count(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not exist: " + missing);
  }

  private static byte[] varint(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while ((value & ~0x7FL) != 0) {
      out.write((int) (value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.write((int) value);
    return out.toByteArray();
  }

  private static byte[] varintField(int field, long value) {
    return concat(varint(field << 3), varint(value));
  }

  private static byte[] bytesField(int field, byte[] payload) {
    return concat(varint(field << 3 | 2), varint(payload.length), payload);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
