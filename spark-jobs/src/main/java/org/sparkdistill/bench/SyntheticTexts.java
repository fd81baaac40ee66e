package org.sparkdistill.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.udfs.student.StableHash;

/**
 * Generated labelled texts for the {@code scale} benchmark, as a Parquet dataset with columns
 * {@code id} ("g" + row number), {@code text} and {@code label} that {@code prepare} reads like a
 * user's ({@code data.format: parquet}). Row i draws from {@code SplittableRandom(mix(seed XOR
 * mix(i)))}: its class uniformly from the label set; 8 to 47 words, each a topic word of its class
 * ({@code t<class>x<0..29>}) with probability 0.2, else a common word {@code w<k>} with k
 * log-uniform in [1, 5000); then its own word {@code n<i>}, so no two texts are equal and
 * deduplication keeps every row. A bag-of-words model separates the classes well but not
 * perfectly (short texts may hold no topic word). Rows depend only on (seed, i): any partitioning
 * writes the same dataset.
 */
final class SyntheticTexts {
  static final StructType SCHEMA =
      new StructType()
          .add("id", DataTypes.StringType, false)
          .add("text", DataTypes.StringType, false)
          .add("label", DataTypes.StringType, false);

  private SyntheticTexts() {}

  /** The text and class index of row {@code i}. */
  static Row row(long i, long seed, List<String> labels) {
    SplittableRandom r = new SplittableRandom(StableHash.mix(seed ^ StableHash.mix(i)));
    int c = r.nextInt(labels.size());
    int words = 8 + r.nextInt(40);
    StringBuilder text = new StringBuilder(words * 7);
    for (int w = 0; w < words; w++) {
      if (w > 0) {
        text.append(' ');
      }
      if (r.nextDouble() < 0.2) {
        text.append('t').append(c).append('x').append(r.nextInt(30));
      } else {
        text.append('w').append((int) Math.exp(r.nextDouble() * Math.log(5000)));
      }
    }
    text.append(" n").append(i);
    return RowFactory.create("g" + i, text.toString(), labels.get(c));
  }

  /**
   * Writes {@code rows} generated rows to {@code dir} unless a finished copy is there (its {@code
   * _SUCCESS} marker): written beside it and renamed into place, so a killed run leaves no half
   * dataset under that name. The directory name should say the rows, seed and labels (the caller's
   * job); a finished directory is reused as it is.
   */
  static void write(SparkSession spark, Path dir, long rows, long seed, List<String> labels, int partitions) {
    try {
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(new Path(dir, "_SUCCESS"))) {
        return;
      }
      if (fs.exists(dir)) {
        throw new IllegalStateException(dir + " exists without _SUCCESS (an interrupted generation?): delete it and rerun");
      }
      Path tmp = new Path(dir.getParent(), "." + dir.getName() + "-" + UUID.randomUUID());
      List<String> names = new ArrayList<>(labels);
      spark
          .range(0, rows, 1, partitions)
          .mapPartitions(
              (MapPartitionsFunction<Long, Row>)
                  ids ->
                      new java.util.Iterator<Row>() {
                        @Override
                        public boolean hasNext() {
                          return ids.hasNext();
                        }

                        @Override
                        public Row next() {
                          return row(ids.next(), seed, names);
                        }
                      },
              Encoders.row(SCHEMA))
          .write()
          .mode(SaveMode.ErrorIfExists)
          .parquet(tmp.toString());
      if (!fs.rename(tmp, dir)) {
        throw new IOException("cannot rename " + tmp + " to " + dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the generated dataset " + dir + ": " + e.getMessage(), e);
    }
  }
}
