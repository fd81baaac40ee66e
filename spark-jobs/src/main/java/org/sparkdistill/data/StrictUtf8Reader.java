package org.sparkdistill.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;

/**
 * A streaming UTF-8 {@link Reader} that fails on the first malformed byte sequence with an {@link
 * InvalidUtf8Exception} giving its byte offset and line, instead of substituting U+FFFD as {@link
 * java.io.InputStreamReader} does. Memory: a 64 KiB byte buffer and a 16 Ki-char buffer.
 */
final class StrictUtf8Reader extends Reader {
  private final InputStream in;
  private final CharsetDecoder decoder = Utf8Check.strictDecoder();
  private final ByteBuffer bytes = ByteBuffer.allocate(1 << 16).flip();
  private final CharBuffer chars = CharBuffer.allocate(1 << 14).flip();
  /** Stream offset of {@code bytes.position()}. */
  private long offset;
  /** {@code \n} bytes before {@code bytes.position()}. */
  private long newlines;

  private boolean endOfInput;
  private boolean flushed;

  StrictUtf8Reader(InputStream in) {
    this.in = in;
  }

  @Override
  public int read(char[] buffer, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!chars.hasRemaining() && !fill()) {
      return -1;
    }
    int n = Math.min(len, chars.remaining());
    chars.get(buffer, off, n);
    return n;
  }

  /** Decodes more characters into {@link #chars}; false at the end of the stream. */
  private boolean fill() throws IOException {
    if (flushed) {
      return false;
    }
    chars.clear();
    while (true) {
      int start = bytes.position();
      CoderResult result = decoder.decode(bytes, chars, endOfInput);
      account(start, bytes.position());
      if (result.isError()) {
        byte[] bad = new byte[Math.min(result.length(), bytes.remaining())];
        bytes.get(bytes.position(), bad);
        throw new InvalidUtf8Exception(offset, newlines + 1, Utf8Check.hex(bad, 0, bad.length));
      }
      if (chars.position() > 0 || result.isOverflow()) {
        break;
      }
      if (endOfInput) {
        decoder.flush(chars);
        flushed = true;
        break;
      }
      bytes.compact();
      int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
      if (n < 0) {
        endOfInput = true;
      } else {
        bytes.position(bytes.position() + n);
      }
      bytes.flip();
    }
    chars.flip();
    return chars.hasRemaining();
  }

  private void account(int from, int to) {
    byte[] array = bytes.array();
    for (int i = from; i < to; i++) {
      if (array[i] == '\n') {
        newlines++;
      }
    }
    offset += to - from;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
