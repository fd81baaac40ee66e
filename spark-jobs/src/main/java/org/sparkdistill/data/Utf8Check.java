package org.sparkdistill.data;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Strict UTF-8 validation: a {@link CharsetDecoder} with {@link CodingErrorAction#REPORT}, so
 * malformed bytes are found and reported, never replaced with U+FFFD.
 */
final class Utf8Check {
  private Utf8Check() {}

  /** A decoder that reports malformed input instead of replacing it. Not thread-safe. */
  static CharsetDecoder strictDecoder() {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  /**
   * Null when {@code bytes} are valid UTF-8 (or null), else a description such as {@code invalid
   * UTF-8 at byte offset 5 (bytes 0xC3 0x28)}. Runs on executors as a UDF over the binary text.
   */
  static String problem(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    CharsetDecoder decoder = strictDecoder();
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(Math.min(bytes.length, 8192) + 2);
    while (true) {
      CoderResult result = decoder.decode(in, out, true);
      if (result.isError()) {
        return String.format(
            Locale.ROOT,
            "invalid UTF-8 at byte offset %d (bytes %s)",
            in.position(),
            hex(bytes, in.position(), result.length()));
      }
      if (result.isUnderflow()) {
        return null;
      }
      out.clear(); // overflow: the decoded text is not kept, only checked
    }
  }

  /** {@code length} bytes from {@code offset} as {@code 0xC3 0x28}. */
  static String hex(byte[] bytes, int offset, int length) {
    StringJoiner joiner = new StringJoiner(" ");
    for (int i = offset; i < Math.min(bytes.length, offset + length); i++) {
      joiner.add(String.format(Locale.ROOT, "0x%02X", bytes[i] & 0xFF));
    }
    return joiner.toString();
  }
}
