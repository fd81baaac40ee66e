package org.sparkdistill.teacher;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import org.sparkdistill.udfs.model.LinearHead;

/**
 * The exported teacher head, {@code head.json}: label order, dropout rate, and the final linear
 * layer's W ({@code [C][d]}, row c = class c) and b, so later methods (LELP needs W) can use them
 * without DJL.
 */
public final class HeadFile {
  public static final String NAME = "head.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The JSON document. */
  public record Document(
      List<String> labels, double dropout, float[][] weight, float[] bias, Map<String, Object> training) {}

  private HeadFile() {}

  public static void write(OutputStream out, LinearHead head, float[][] weight, float[] bias, Map<String, Object> training)
      throws IOException {
    JSON.writeValue(out, new Document(head.labels(), head.dropoutRate(), weight, bias, training));
  }

  public static LinearHead read(InputStream in, String source) {
    try {
      Document doc = JSON.readValue(in, Document.class);
      return new LinearHead(doc.labels(), doc.weight(), doc.bias(), doc.dropout());
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException("teacher head " + source + " is not a valid " + NAME + ": " + e.getMessage(), e);
    }
  }
}
