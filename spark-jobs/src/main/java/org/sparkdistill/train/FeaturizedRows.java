package org.sparkdistill.train;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.student.StudentFeaturizer;

/**
 * Training rows as the student consumes them, featurized on the executors by the student
 * architecture's {@link StudentFeaturizer}: {@code (id, features array<int>, target array<float>,
 * label int (class index, -1: none), weight double)}.
 */
final class FeaturizedRows {
  static final String IDS = "features";
  static final String LABEL_INDEX = "label_index";

  static final StructType SCHEMA =
      new StructType()
          .add(Columns.ID, DataTypes.StringType, false)
          .add(IDS, DataTypes.createArrayType(DataTypes.IntegerType, false), false)
          .add(Columns.TARGET, DataTypes.createArrayType(DataTypes.FloatType, false), false)
          .add(LABEL_INDEX, DataTypes.IntegerType, false)
          .add(Columns.WEIGHT, DataTypes.DoubleType, false);

  private FeaturizedRows() {}

  /**
   * Featurizes rows of {@code CacheSchemas.targets()} (or any rows with id, text, target, weight,
   * label); labels become indices into {@code classes}.
   */
  static Dataset<Row> of(Dataset<Row> rows, StudentFeaturizer featurizer, List<String> classes) {
    return rows.select(Columns.ID, Columns.TEXT, Columns.TARGET, Columns.LABEL, Columns.WEIGHT)
        .mapPartitions(new Featurize(featurizer, classes), Encoders.row(SCHEMA));
  }

  private static final class Featurize implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final StudentFeaturizer featurizer;
    private final List<String> labels;

    Featurize(StudentFeaturizer featurizer, List<String> classes) {
      this.featurizer = featurizer;
      this.labels = List.copyOf(classes);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          Row row = rows.next();
          String id = row.getString(0);
          String label = row.isNullAt(3) ? null : row.getString(3);
          int index = label == null ? -1 : labels.indexOf(label);
          if (label != null && index < 0) {
            throw new IllegalArgumentException("row id=" + id + " has label " + label + ", expected one of " + labels);
          }
          return RowFactory.create(id, featurizer.featurize(row.getString(1)), RowArrays.floats(row.getList(2)), index, row.getDouble(4));
        }
      };
    }
  }
}
