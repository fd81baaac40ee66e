package org.sparkdistill.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.sparkdistill.config.ConfigEnums;
import org.sparkdistill.config.DataFormat;
import org.sparkdistill.config.DistillConfig;

/** Small raw inputs written to a temporary directory, and settings that read them. */
final class TinyInputs {
  static final List<String> LABELS = List.of("games", "net", "science");

  private TinyInputs() {}

  /** One Debian-style JSON line. */
  static String debianLine(String id, String source, String section, String text) {
    return "{\"id\": " + quote(id) + ", \"source\": " + quote(source) + ", \"section\": " + quote(section)
        + ", \"text\": " + quote(text) + "}";
  }

  static String quote(String value) {
    return value == null ? "null" : "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "\"";
  }

  /** Writes the lines, each followed by a newline, as UTF-8. */
  static Path writeLines(Path dir, String name, String... lines) {
    return write(dir, name, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  static Path write(Path dir, String name, byte[] bytes) {
    try {
      return Files.write(dir.resolve(name), bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code before}, the raw bytes, {@code after}, as one byte array. */
  static byte[] concat(String before, byte[] raw, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(raw);
    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  static DistillConfig.DataSettings settings(String format, Path path, List<String> labels) {
    DistillConfig.DataSettings data = new DistillConfig.DataSettings();
    data.format = ConfigEnums.parse(DataFormat.class, "data.format", format);
    data.path = path.toString();
    data.labels = labels;
    return data;
  }
}
