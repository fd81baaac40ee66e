package org.sparkdistill.method.kd;

import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.method.TargetBuilder;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.uncertainty.Softmax;

/**
 * Plain knowledge distillation (Hinton et al. 2015): target = softmax(logits / T), weight 1. The
 * student's loss uses the same T and scales its KL term by T² (see {@code KdLoss}). Cost: C exps
 * per row.
 */
public final class KdTargetBuilder implements TargetBuilder {
  public static final String METHOD = "kd";

  /** Output rows of every target builder. */
  public static final StructType SCHEMA =
      new StructType()
          .add(Columns.ID, DataTypes.StringType, false)
          .add(Columns.TARGET, DataTypes.createArrayType(DataTypes.FloatType, false), false)
          .add(Columns.WEIGHT, DataTypes.DoubleType, false);

  private final double temperature;

  public KdTargetBuilder(double temperature) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("targets.temperature must be a positive number, got: " + temperature);
    }
    this.temperature = temperature;
  }

  @Override
  public String method() {
    return METHOD;
  }

  @Override
  public SortedMap<String, String> settings() {
    SortedMap<String, String> s = new TreeMap<>();
    s.put("targets.temperature", Double.toString(temperature));
    return s;
  }

  @Override
  public Dataset<Row> build(Dataset<Row> scores, List<String> labels, String source) {
    return scores
        .select(Columns.ID, Columns.LOGITS)
        .map(new Tempered(temperature, labels.size(), source), Encoders.row(SCHEMA));
  }

  /** softmax(logits / T) per row, refusing non-finite logits and wrong widths. */
  private static final class Tempered implements MapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final double temperature;
    private final int classes;
    private final String source;

    Tempered(double temperature, int classes, String source) {
      this.temperature = temperature;
      this.classes = classes;
      this.source = source;
    }

    @Override
    public Row call(Row row) {
      String id = row.getString(0);
      List<Float> list = row.getList(1);
      if (list.size() != classes) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "teacher cache %s, row id=%s: logits has %d values, the label set has %d", source, id, list.size(), classes));
      }
      float[] logits = RowArrays.floats(list);
      for (int i = 0; i < classes; i++) {
        if (!Float.isFinite(logits[i])) {
          throw new IllegalArgumentException(
              String.format(Locale.ROOT, "teacher cache %s, row id=%s, column logits[%d]: expected a finite number, got %s", source, id, i, logits[i]));
        }
      }
      return RowFactory.create(id, Softmax.softmax(logits, temperature), 1.0);
    }
  }
}
