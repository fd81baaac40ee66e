package org.sparkdistill.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StrictUtf8ReaderTest {
  private static String readAll(byte[] bytes) throws IOException {
    StringWriter out = new StringWriter();
    try (Reader reader = new StrictUtf8Reader(new ByteArrayInputStream(bytes))) {
      reader.transferTo(out);
    }
    return out.toString();
  }

  @Test
  void decodesMultiByteCharactersAcrossBufferBoundaries() throws IOException {
    // 200,000 characters of 1 to 4 bytes: sequences straddle the 64 KiB byte buffer.
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 50_000; i++) {
      text.append('a').append('\u00e9').append('\u20ac').appendCodePoint(0x1F600).append('\n');
    }
    assertThat(readAll(text.toString().getBytes(StandardCharsets.UTF_8))).isEqualTo(text.toString());
  }

  @Test
  void reportsOffsetLineAndBytesOfTheFirstBadSequence() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 30_000; i++) {
      text.append("line ").append(i).append('\n');
    }
    byte[] good = text.toString().getBytes(StandardCharsets.UTF_8);
    byte[] bytes = TinyInputs.concat(text.toString(), new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, "tail\n");
    assertThatThrownBy(() -> readAll(bytes))
        .isInstanceOfSatisfying(
            InvalidUtf8Exception.class,
            e -> {
              assertThat(e.byteOffset()).isEqualTo(good.length);
              assertThat(e.line()).isEqualTo(30_001);
              assertThat(e.badBytes()).startsWith("0xED");
            });
  }

  @Test
  void truncatedSequenceAtTheEndIsAnError() {
    byte[] bytes = {'o', 'k', (byte) 0xE2, (byte) 0x82};
    assertThatThrownBy(() -> readAll(bytes))
        .isInstanceOfSatisfying(InvalidUtf8Exception.class, e -> assertThat(e.byteOffset()).isEqualTo(2));
  }

  @Test
  void emptyInput() throws IOException {
    assertThat(readAll(new byte[0])).isEmpty();
  }

  @Test
  void byteArrayCheckAgreesWithTheReader() {
    assertThat(Utf8Check.problem("caf\u00e9 \uD83D\uDE00".getBytes(StandardCharsets.UTF_8))).isNull();
    assertThat(Utf8Check.problem(new byte[] {'x', (byte) 0xFF})).isEqualTo("invalid UTF-8 at byte offset 1 (bytes 0xFF)");
    assertThat(Utf8Check.problem(null)).isNull();
  }
}
