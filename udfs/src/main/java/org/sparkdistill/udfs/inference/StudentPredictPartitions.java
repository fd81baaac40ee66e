package org.sparkdistill.udfs.inference;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkdistill.udfs.model.ModelCache;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.student.StudentFiles;
import org.sparkdistill.udfs.student.StudentModel;

/**
 * Runs a saved student over rows with {@code id}, {@code text} and optionally {@code split} and
 * {@code label}, writing {@link CacheSchemas#predictions()}. The student's files reach executors
 * as a broadcast variable (a few MB: the driver reads them once from any Hadoop filesystem; Spark
 * refuses {@code addFile} of a directory outside local mode); each executor JVM writes them to a
 * local temporary directory and loads the student once ({@link ModelCache}).
 */
public final class StudentPredictPartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final Broadcast<Map<String, byte[]>> files;
  private final String version;
  private final int batchSize;

  /**
   * @param files the student directory's files by name ({@code student.json}, {@code student.params})
   * @param version identifies this save of the student (e.g. its run id), part of the cache key
   */
  public StudentPredictPartitions(Broadcast<Map<String, byte[]>> files, String version, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("predict batchSize must be >= 1, got: " + batchSize);
    }
    this.files = files;
    this.version = version;
    this.batchSize = batchSize;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return rows;
    }
    // Held until the task completes (ModelCache.get): evicting an older student cannot close this one.
    StudentModel student =
        ModelCache.get("student:" + version, () -> StudentFiles.load(files.value(), "the broadcast student " + version));
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

  private static String optional(Row row, String column) {
    return java.util.Arrays.asList(row.schema().fieldNames()).contains(column) ? row.getAs(column) : null;
  }
}
