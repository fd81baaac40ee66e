package org.sparkdistill.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Checks that data has the columns a stage needs, before any work starts. */
public final class SchemaCheck {
  private SchemaCheck() {}

  /**
   * Requires every field of {@code expected} in {@code actual}, by name and type (extra columns
   * are allowed and ignored).
   *
   * @throws IllegalArgumentException naming the source, each missing or mistyped column, and the
   *     columns that are there
   */
  public static void require(StructType actual, StructType expected, String source) {
    List<String> problems = new ArrayList<>();
    for (StructField field : expected.fields()) {
      StructField found = find(actual, field.name());
      if (found == null) {
        problems.add(String.format(Locale.ROOT, "missing column '%s' (%s)", field.name(), field.dataType().simpleString()));
      } else if (!compatible(found.dataType(), field.dataType())) {
        problems.add(
            String.format(
                Locale.ROOT,
                "column '%s' must be %s, found %s",
                field.name(),
                field.dataType().simpleString(),
                found.dataType().simpleString()));
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          source + ": " + String.join("; ", problems) + " (columns present: " + String.join(", ", actual.fieldNames()) + ")");
    }
  }

  /** The columns of {@code schema}, in order, for a select. */
  public static Column[] columns(StructType schema) {
    Column[] out = new Column[schema.fields().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = functions.col(schema.fields()[i].name());
    }
    return out;
  }

  private static StructField find(StructType schema, String name) {
    for (StructField field : schema.fields()) {
      if (field.name().equals(name)) {
        return field;
      }
    }
    return null;
  }

  private static boolean compatible(DataType found, DataType expected) {
    // Parquet round trips lose nullability of array elements; compare types, not nullability.
    return found.sameType(expected);
  }
}
