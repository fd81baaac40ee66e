package org.sparkdistill.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads required string fields of a parsed JSON object, with errors that say what is wrong. */
final class JsonFields {
  private JsonFields() {}

  /**
   * The string value of {@code key}.
   *
   * @throws IllegalArgumentException when the key is missing (listing the keys present), null, or
   *     not a string (showing the value)
   */
  static String string(JsonNode node, String key, DriverRowCollector rows, String where, String id) {
    JsonNode value = node.get(key);
    if (value == null) {
      throw rows.error(where, id, "key \"" + key + "\" is missing (keys present: " + keys(node) + ")");
    }
    if (value.isNull()) {
      throw rows.error(where, id, "key \"" + key + "\" is null; expected a JSON string");
    }
    if (!value.isTextual()) {
      throw rows.error(
          where, id, "key \"" + key + "\" must be a JSON string, found " + value.getNodeType().name().toLowerCase(Locale.ROOT) + " " + shorten(value));
    }
    return value.textValue();
  }

  static String keys(JsonNode node) {
    List<String> keys = new ArrayList<>();
    node.fieldNames().forEachRemaining(keys::add);
    return keys.isEmpty() ? "none" : String.join(", ", keys);
  }

  static String shorten(JsonNode value) {
    return DriverRowCollector.shorten(value.toString());
  }
}
