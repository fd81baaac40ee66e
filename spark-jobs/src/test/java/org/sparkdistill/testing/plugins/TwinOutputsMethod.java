package org.sparkdistill.testing.plugins;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.method.DistillationMethod;
import org.sparkdistill.method.TargetSchema;
import org.sparkdistill.method.TargetTransform;
import org.sparkdistill.method.TeacherInput;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.student.Readout;
import org.sparkdistill.udfs.train.KdLoss;
import org.sparkdistill.udfs.train.StudentLoss;
import org.sparkdistill.udfs.uncertainty.Softmax;

/**
 * A test-only method ({@code twin}): every class gets two student outputs, each with half the
 * teacher's tempered probability, read out by summing the pair; trained by KL alone. Registered in
 * the test resources only: it proves a method with a wider target than the label set and its own
 * readout plugs in without any change to the stages or trainers.
 */
public final class TwinOutputsMethod implements DistillationMethod {
  private final List<String> labels;

  TwinOutputsMethod(List<String> labels) {
    this.labels = List.copyOf(labels);
  }

  public static final class Factory implements DistillationMethod.Factory {
    @Override
    public String name() {
      return "twin";
    }

    @Override
    public DistillationMethod create(DistillConfig config) {
      return new TwinOutputsMethod(config.data.labels);
    }
  }

  @Override
  public String name() {
    return "twin";
  }

  @Override
  public SortedMap<String, String> settings() {
    return new TreeMap<>(Map.of("targets.twin", "halves"));
  }

  @Override
  public List<TeacherInput> teachers() {
    return List.of(new TeacherInput("teacher", "score", labels));
  }

  @Override
  public TargetTransform fit(Map<String, Dataset<Row>> caches) {
    return (rows, sources) -> rows.get("teacher").select(Columns.ID, Columns.LOGITS).map(new Halves(), Encoders.row(TargetSchema.ROWS));
  }

  @Override
  public List<String> studentOutputs(List<String> classes) {
    List<String> out = new ArrayList<>();
    for (String c : classes) {
      out.add(c + "#0");
      out.add(c + "#1");
    }
    return out;
  }

  @Override
  public Readout readout(List<String> classes) {
    int[] map = new int[classes.size() * 2];
    for (int j = 0; j < map.length; j++) {
      map[j] = j / 2;
    }
    return new Readout(classes, map);
  }

  @Override
  public StudentLoss loss(SortedMap<String, String> targetSettings, DistillConfig.StudentSettings student) {
    return new KdLoss(0.0, 1.0);
  }

  private static final class Halves implements MapFunction<Row, Row> {
    @Override
    public Row call(Row row) {
      float[] p = Softmax.softmax(RowArrays.floats(row.getList(1)));
      float[] out = new float[p.length * 2];
      for (int c = 0; c < p.length; c++) {
        out[2 * c] = p[c] / 2;
        out[2 * c + 1] = p[c] / 2;
      }
      return RowFactory.create(row.getString(0), out, 1.0);
    }
  }
}
