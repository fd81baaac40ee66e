package org.sparkdistill.method;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.udfs.schema.Columns;

/** The rows every {@link TargetTransform} returns; the targets stage adds text, split and label. */
public final class TargetSchema {
  private TargetSchema() {}

  public static final StructType ROWS =
      new StructType()
          .add(Columns.ID, DataTypes.StringType, false)
          .add(Columns.TARGET, DataTypes.createArrayType(DataTypes.FloatType, false), false)
          .add(Columns.WEIGHT, DataTypes.DoubleType, false);
}
