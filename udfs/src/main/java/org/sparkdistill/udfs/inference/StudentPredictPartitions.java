package org.sparkdistill.udfs.inference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkdistill.udfs.model.ModelCache;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.student.StudentModel;

/**
 * Runs a saved student over rows with {@code id}, {@code text} and optionally {@code split} and
 * {@code label}, writing {@link CacheSchemas#predictions()}. The student directory reaches
 * executors through {@code SparkContext.addFile(dir, true)} (any Hadoop filesystem); each executor
 * JVM loads it once ({@link ModelCache}).
 */
public final class StudentPredictPartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final String shippedName;
  private final String version;
  private final int batchSize;

  /**
   * @param shippedName the directory's name as added with {@code addFile}
   * @param version identifies this save of the student (e.g. its run id), part of the cache key
   */
  public StudentPredictPartitions(String shippedName, String version, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("predict batchSize must be >= 1, got: " + batchSize);
    }
    this.shippedName = shippedName;
    this.version = version;
    this.batchSize = batchSize;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return rows;
    }
    StudentModel student = ModelCache.get("student:" + shippedName + "@" + version, () -> StudentModel.load(localDir()));
    TaskProgress progress = new TaskProgress("predict");
    progress.finishWithTask(() -> {});
    return Batches.mapInBatches(
        rows,
        batchSize,
        batch -> {
          TextBatch text = TextBatch.of(batch);
          float[][] probabilities = student.probabilities(text.texts());
          List<Row> out = new ArrayList<>(batch.size());
          for (int i = 0; i < batch.size(); i++) {
            Row in = batch.get(i);
            out.add(
                RowFactory.create(
                    text.ids().get(i),
                    optional(in, Columns.SPLIT),
                    optional(in, Columns.LABEL),
                    ScoreRows.argmax(probabilities[i]),
                    probabilities[i]));
          }
          progress.add(batch.size());
          return out;
        });
  }

  private Path localDir() {
    Path shipped = Paths.get(SparkFiles.get(shippedName));
    if (!Files.isDirectory(shipped)) {
      throw new IllegalStateException("student directory " + shippedName + " was not shipped to this executor (expected at " + shipped + ")");
    }
    return shipped;
  }

  private static String optional(Row row, String column) {
    return java.util.Arrays.asList(row.schema().fieldNames()).contains(column) ? row.getAs(column) : null;
  }
}
