package org.sparkdistill.baseline;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IDF;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.ml.feature.Normalizer;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.udfs.schema.Columns;

/**
 * The TF-IDF featurisation of the baseline student, as a Spark MLlib pipeline: lowercased runs of
 * letters and digits ({@link RegexTokenizer}), word 2..{@code maxNgram}-grams ({@link NGram})
 * appended to the words, hashed into {@code numFeatures} term counts ({@link HashingTF}, MurmurHash3),
 * weighted by IDF fitted on the training texts ({@link IDF}, {@code minDocFreq}), L2-normalised
 * ({@link Normalizer}): what scikit-learn's {@code TfidfVectorizer(ngram_range=(1, 2))} computes,
 * up to hashing collisions and its smoothed IDF.
 *
 * <p>Cost: fitting is one pass over the distinct training texts (tokenise, hash, count document
 * frequencies); transforming is linear in the words. Vectors are sparse (a text of w words has at
 * most ~2w non-zeros).
 */
final class TfidfFeatures {
  /** The output column: the L2-normalised TF-IDF vector. */
  static final String FEATURES = "_tfidf";

  private static final String WORDS = "_words";
  private static final String TERMS = "_terms";
  private static final String COUNTS = "_tf";
  private static final String IDF_OUT = "_idf";

  private TfidfFeatures() {}

  /** Fits the pipeline's IDF on the distinct texts of {@code texts} ({@link Columns#TEXT}). */
  static PipelineModel fit(Dataset<Row> texts, DistillConfig.BaselineSettings s) {
    List<PipelineStage> stages = new ArrayList<>();
    stages.add(new RegexTokenizer().setInputCol(Columns.TEXT).setOutputCol(WORDS).setGaps(false).setPattern("[\\p{L}\\p{N}]+").setToLowercase(true));
    StringBuilder concat = new StringBuilder(WORDS);
    for (int n = 2; n <= s.maxNgram; n++) {
      String out = "_grams" + n;
      stages.add(new NGram().setN(n).setInputCol(WORDS).setOutputCol(out));
      concat.append(", ").append(out);
    }
    stages.add(new SQLTransformer().setStatement("SELECT *, concat(" + concat + ") AS " + TERMS + " FROM __THIS__"));
    stages.add(new HashingTF().setInputCol(TERMS).setOutputCol(COUNTS).setNumFeatures(s.numFeatures));
    stages.add(new IDF().setInputCol(COUNTS).setOutputCol(IDF_OUT).setMinDocFreq(s.minDocFreq));
    stages.add(new Normalizer().setInputCol(IDF_OUT).setOutputCol(FEATURES).setP(2.0));
    return new Pipeline().setStages(stages.toArray(new PipelineStage[0])).fit(texts.select(Columns.TEXT).distinct());
  }

  /** {@code rows} with {@link #FEATURES} added and the intermediate columns dropped. */
  static Dataset<Row> transform(PipelineModel model, Dataset<Row> rows) {
    Dataset<Row> out = model.transform(rows);
    for (String column : out.columns()) {
      if (column.startsWith("_") && !column.equals(FEATURES) && !List.of(rows.columns()).contains(column)) {
        out = out.drop(column);
      }
    }
    return out;
  }
}
