package org.sparkdistill.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.InvalidRowPolicy;

/**
 * {@code debian-jsonl}: one JSON object per line with string keys {@code id}, {@code source},
 * {@code section}, {@code text} (the layout of {@code data/debian/debian-sections-20.jsonl.gz});
 * gzip or plain. label = {@code section}, group = {@code source} (the source package), so binary
 * packages of one source never straddle splits.
 *
 * <p>Parsed on the driver, streaming, with strict UTF-8 decoding; the rows are then held in
 * driver memory and become a local Dataset. Fine for files up to a few hundred MB (the committed
 * snapshot is 2 MB compressed, 12,361 rows); convert larger data to Parquet and use {@code
 * parquet}.
 */
final class DebianJsonlSource implements RawSource {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  static final String EXPECTED =
      "a JSON-lines file (gzip or plain), one object per line with string keys id, source, section, text";

  private final SparkSession spark;
  private final String path;
  private final List<String> labels;
  private final InvalidRowPolicy onInvalid;

  DebianJsonlSource(SparkSession spark, String path, List<String> labels, InvalidRowPolicy onInvalid) {
    this.spark = spark;
    this.path = path;
    this.labels = labels;
    this.onInvalid = onInvalid;
  }

  @Override
  public RawData read() {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    DriverRowCollector rows = new DriverRowCollector(path, labels, onInvalid);
    long lineNumber = 0;
    try (BufferedReader reader = new BufferedReader(new StrictUtf8Reader(RawFiles.open(path, conf, EXPECTED)))) {
      String line;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (lineNumber == 1 && line.startsWith("\uFEFF")) {
          line = line.substring(1); // a UTF-8 byte-order mark
        }
        String where = "line " + lineNumber;
        try {
          if (line.isBlank()) {
            throw rows.error(where, null, "line is empty; expected " + EXPECTED);
          }
          JsonNode node = parse(line, rows, where);
          String id = JsonFields.string(node, "id", rows, where, null);
          String source = JsonFields.string(node, "source", rows, where, id);
          String section = JsonFields.string(node, "section", rows, where, id);
          String text = JsonFields.string(node, "text", rows, where, id);
          rows.add(where, id, section, source, text);
        } catch (InvalidRowException e) {
          rows.reject(e, line);
        }
      }
    } catch (InvalidUtf8Exception e) {
      throw new IllegalArgumentException(
          path + ", line " + e.line() + ": text is not valid UTF-8: bytes " + e.badBytes() + " at byte offset "
              + e.byteOffset() + " of the (decompressed) file; the file must be UTF-8",
          e);
    } catch (java.io.EOFException e) {
      throw new IllegalArgumentException(
          path + ": the gzip data ends early after " + lineNumber + " complete lines (" + e.getMessage() + "): the file is truncated; copy or download it again", e);
    } catch (java.util.zip.ZipException e) {
      throw new IllegalArgumentException(
          path + ": corrupt gzip data after " + lineNumber + " complete lines (" + e.getMessage() + "): the file is damaged; copy or download it again", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + " after line " + lineNumber + ": " + e.getMessage(), e);
    }
    return rows.finish(spark);
  }

  private static JsonNode parse(String line, DriverRowCollector rows, String where) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw rows.error(where, null, "not valid JSON (" + e.getOriginalMessage() + "): " + DriverRowCollector.shorten(line));
    }
    if (node == null || !node.isObject()) {
      throw rows.error(where, null, "expected a JSON object, found: " + DriverRowCollector.shorten(line));
    }
    return node;
  }
}
