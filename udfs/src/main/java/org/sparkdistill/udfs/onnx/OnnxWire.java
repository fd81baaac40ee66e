package org.sparkdistill.udfs.onnx;

import java.io.IOException;
import java.io.InputStream;

/**
 * Protobuf wire format, read from a stream in one pass with the byte offset tracked, so errors
 * name where the file is broken. Shared by the ONNX readers of this package; no protobuf library.
 */
final class OnnxWire {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private OnnxWire() {}

  /** The file is not the protobuf an ONNX model is; the message says where and why. */
  static final class MalformedModelException extends IOException {
    MalformedModelException(String message) {
      super(message);
    }
  }

  /** Reads protobuf wire format from a stream, tracking the byte offset. */
  static final class Reader {
    private final InputStream in;
    private long position;

    Reader(InputStream in) {
      this.in = in;
    }

    long position() {
      return position;
    }

    /** The next field's tag, or -1 at {@code end} (the enclosing message's or the file's end). */
    int readTag(long end) throws IOException {
      if (position == end) {
        return -1;
      }
      if (position > end) {
        throw new MalformedModelException("a field overruns its enclosing message at byte " + position);
      }
      long start = position;
      long tag = readVarint();
      if (tag >>> 3 == 0 || tag > 0xFFFFFFFFL) {
        throw new MalformedModelException("invalid field tag " + tag + " at byte " + start);
      }
      return (int) tag;
    }

    long readVarint() throws IOException {
      long start = position;
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = readByte();
        value |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new MalformedModelException("varint longer than 10 bytes at byte " + start);
    }

    /** Reads a length prefix and returns where the payload ends, checked against {@code end}. */
    long readLengthEnd(long end) throws IOException {
      long start = position;
      long length = readVarint();
      if (length < 0 || length > end - position) {
        throw new MalformedModelException(
            "length " + length + " at byte " + start + " runs past the end of its enclosing message (byte " + end + ")");
      }
      return position + length;
    }

    /** The next {@code n} bytes (a length-delimited payload whose end was checked by {@link #readLengthEnd}). */
    byte[] readBytes(long n) throws IOException {
      if (n > Integer.MAX_VALUE - 8) {
        throw new MalformedModelException("a " + n + "-byte field at byte " + position + " is larger than one Java array");
      }
      byte[] out = in.readNBytes((int) n);
      if (out.length != n) {
        throw new MalformedModelException("the file ends at byte " + (position + out.length) + " inside a " + n + "-byte field");
      }
      position += n;
      return out;
    }

    /** A little-endian 32-bit value (protobuf fixed32 / float). */
    int readFixed32() throws IOException {
      int b0 = readByte();
      int b1 = readByte();
      int b2 = readByte();
      int b3 = readByte();
      return b0 | b1 << 8 | b2 << 16 | b3 << 24;
    }

    void expectWireType(int field, int wire, int expected, String name) throws MalformedModelException {
      if (wire != expected) {
        throw new MalformedModelException(
            name + " (field " + field + ") must have wire type " + expected + ", got " + wire + " before byte " + position);
      }
    }

    void skipField(int wire, long end) throws IOException {
      switch (wire) {
        case VARINT -> readVarint();
        case FIXED64 -> skip(8, end);
        case LENGTH_DELIMITED -> skip(readLengthEnd(end) - position, end);
        case FIXED32 -> skip(4, end);
        default -> throw new MalformedModelException(
            "wire type " + wire + " (groups or invalid) is not used by ONNX, before byte " + position);
      }
    }

    private void skip(long n, long end) throws IOException {
      if (n > end - position) {
        throw new MalformedModelException("a " + n + "-byte field at byte " + position + " runs past byte " + end);
      }
      long left = n;
      while (left > 0) {
        long skipped = in.skip(left);
        if (skipped <= 0) {
          readByte(); // makes progress or reports the end of the file
          skipped = 1;
        } else {
          position += skipped;
        }
        left -= skipped;
      }
    }

    private int readByte() throws IOException {
      int b = in.read();
      if (b < 0) {
        throw new MalformedModelException("the file ends at byte " + position + " inside a field");
      }
      position++;
      return b;
    }
  }
}
