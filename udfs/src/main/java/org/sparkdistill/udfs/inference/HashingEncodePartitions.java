package org.sparkdistill.udfs.inference;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.student.StableHash;

/**
 * A stand-in for the neural encoder where only the cost of everything downstream matters (the
 * {@code scale} benchmark): the signed hashing trick over a text's words, L2-normalised, into
 * {@code dim} floats, written as {@link CacheSchemas#features()} rows like the encoder's. Words are
 * the maximal runs of letters and digits of the lower-cased text (Locale.ROOT); word w adds
 * {@code sign} to component {@code index}, where {@code h = StableHash.hash(w, seed)}, {@code
 * index = floorMod(h, dim)} and {@code sign = +1} if bit 32 of h is 0, else -1. A text without
 * words gets the zero vector. {@code num_tokens} is the number of words; nothing is truncated.
 *
 * <p>Cost: one hash per word, about a microsecond per short text: features of a million rows in
 * seconds, where all-MiniLM-L6-v2 needs hours on 2 cores. The vectors carry a bag of words, so a
 * linear head on them learns what a bag-of-words classifier would; they are not a substitute for
 * the encoder's quality.
 */
public final class HashingEncodePartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

  private final int dim;
  private final long seed;

  public HashingEncodePartitions(int dim, long seed) {
    if (dim < 1) {
      throw new IllegalArgumentException("dim must be >= 1, got: " + dim);
    }
    this.dim = dim;
    this.seed = seed;
  }

  /** The words of {@code text} as defined above. */
  public static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    for (String w : NON_WORD.split(text.toLowerCase(Locale.ROOT))) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  /** The feature vector of {@code words}. */
  public static float[] features(List<String> words, int dim, long seed) {
    double[] sum = new double[dim];
    for (String w : words) {
      long h = StableHash.hash(w, seed);
      sum[(int) Math.floorMod(h, (long) dim)] += ((h >>> 32) & 1L) == 0 ? 1.0 : -1.0;
    }
    double norm = 0;
    for (double v : sum) {
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    float[] out = new float[dim];
    if (norm > 0) {
      for (int i = 0; i < dim; i++) {
        out[i] = (float) (sum[i] / norm);
      }
    }
    return out;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    TaskProgress progress = new TaskProgress("hashing encode");
    progress.finishWithTask(() -> {});
    return Batches.mapInBatches(
        rows,
        1024,
        batch -> {
          List<Row> out = new ArrayList<>(batch.size());
          for (Row row : batch) {
            List<String> words = words(row.getAs(Columns.TEXT));
            out.add(RowFactory.create(row.<String>getAs(Columns.ID), words.size(), false, features(words, dim, seed)));
          }
          progress.add(batch.size());
          return out;
        });
  }
}
