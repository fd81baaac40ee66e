package org.sparkdistill.data;

import java.io.IOException;
import java.util.Locale;

/**
 * Bytes that are not valid UTF-8, found by {@link StrictUtf8Reader}. Carries where they are so the
 * caller can name the file and line.
 */
final class InvalidUtf8Exception extends IOException {
  private static final long serialVersionUID = 1L;

  private final long byteOffset;
  private final long line;
  private final String badBytes;

  InvalidUtf8Exception(long byteOffset, long line, String badBytes) {
    super(
        String.format(
            Locale.ROOT,
            "invalid UTF-8 on line %d at byte offset %d (bytes %s)",
            line,
            byteOffset,
            badBytes));
    this.byteOffset = byteOffset;
    this.line = line;
    this.badBytes = badBytes;
  }

  /** Offset of the first bad byte from the start of the (decompressed) stream. */
  long byteOffset() {
    return byteOffset;
  }

  /** 1-based line of the first bad byte: one plus the number of {@code \n} bytes before it. */
  long line() {
    return line;
  }

  /** The offending bytes in hex, e.g. {@code 0xC3 0x28}. */
  String badBytes() {
    return badBytes;
  }
}
