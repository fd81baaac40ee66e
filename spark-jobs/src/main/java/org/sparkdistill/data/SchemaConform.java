package org.sparkdistill.data;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.objects.AssertNotNull;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Gives a Dataset exactly a target schema, nullability included. Spark infers aggregate and join
 * outputs as nullable; a non-nullable target field gets a runtime not-null assertion (Catalyst's
 * {@code AssertNotNull}, the check Spark itself uses for typed Datasets), so a null there fails the
 * job instead of being written.
 */
final class SchemaConform {
  private SchemaConform() {}

  /** {@code rows} with exactly the fields of {@code schema}, in its order. Lazy. */
  static Dataset<Row> to(Dataset<Row> rows, StructType schema) {
    Column[] columns = new Column[schema.fields().length];
    for (int i = 0; i < columns.length; i++) {
      StructField field = schema.fields()[i];
      Column column = col(field.name());
      if (!field.nullable()) {
        column = new Column(new AssertNotNull(column.expr(), AssertNotNull.apply$default$2()));
      }
      columns[i] = column.as(field.name());
    }
    return rows.select(columns).to(schema);
  }
}
