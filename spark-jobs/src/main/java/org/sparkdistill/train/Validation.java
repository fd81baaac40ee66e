package org.sparkdistill.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.student.Readout;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.uncertainty.Softmax;

/**
 * Validation accuracy of a student with dropout off, streaming the featurized labelled rows
 * ({@link FeaturizedRows#SCHEMA}) to the driver in batches of 256: the class is the argmax of the
 * readout's class probabilities (of the logits, where the readout is the identity).
 */
final class Validation {
  private static final int BATCH = 256;

  private Validation() {}

  static double accuracy(StudentModel student, Dataset<Row> rows) {
    Iterator<Row> it = rows.toLocalIterator();
    long correct = 0;
    long total = 0;
    List<int[]> features = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    Readout readout = student.readout();
    while (it.hasNext()) {
      Row row = it.next();
      features.add(RowArrays.ints(row.getList(1)));
      labels.add(row.getInt(3));
      if (features.size() == BATCH || !it.hasNext()) {
        float[][] logits = student.logitsOfFeatures(features);
        for (int i = 0; i < logits.length; i++) {
          correct += predictedClass(readout, logits[i]) == labels.get(i) ? 1 : 0;
          total++;
        }
        features.clear();
        labels.clear();
      }
    }
    if (total == 0) {
      throw new IllegalStateException("the validation split has no labelled rows: the student needs them for early stopping");
    }
    return (double) correct / total;
  }

  /** The class a student predicts from one row of logits. */
  static int predictedClass(Readout readout, float[] logits) {
    float[] scores = readout.isIdentity() ? logits : readout.auxiliaryOutputs() == 0 ? readout.classProbabilities(Softmax.softmax(logits)) : readout.fromLogits(logits);
    int best = 0;
    for (int c = 1; c < scores.length; c++) {
      if (scores[c] > scores[best]) {
        best = c;
      }
    }
    return best;
  }
}
