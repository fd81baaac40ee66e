package org.sparkdistill.udfs.inference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.udfs.model.EncodedBatch;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.OnnxSentenceEncoder;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * Whole-text encoding ({@code encoder.chunking.enabled}): each text is tokenized without
 * truncation, cut into overlapping chunks of {@code length} tokens ({@link TextChunks}), every
 * chunk is encoded and pooled like a short text, and the row's vector is the mean of its chunk
 * vectors (L2-normalised again when the encoder normalises). Rows of {@link #schema()}: the
 * features columns plus {@code chunks}, the chunk count; {@code num_tokens} is the whole text's
 * token count and {@code truncated} is true only where {@code maxChunks} (or the tokenizer's
 * 8,192-token limit) cut the text.
 *
 * <p>Batching builds on {@link EncodeBatches}' two modes, applied to chunks instead of rows: a
 * read-ahead window of {@code batchSize × 8} rows is chunked, and the window's chunks go to the
 * encoder either sorted by length in batches of {@code batchSize} chunks or, with {@code
 * maxBatchTokens > 0}, in {@link TokenBudget} batches of at most that many padded tokens. Cost:
 * about (total tokens + overlap per extra chunk) / {@code length} encoder calls' worth of work per
 * row, against one truncated call without chunking.
 */
public final class ChunkedEncodePartitions implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  /** Output column: chunks per row. */
  public static final String CHUNKS = "chunks";
  /** Whole texts are cut at this many tokens (the tokenizer's limit); such rows count as truncated. */
  static final int WHOLE_TEXT_TOKENS = 8192;

  private final EncoderSpec spec;
  private final int batchSize;
  private final int maxBatchTokens;
  private final int overlap;
  private final int maxChunks;

  /**
   * @param spec the encoder, whose tokenizer maximum length is the chunk length
   */
  public ChunkedEncodePartitions(EncoderSpec spec, int batchSize, int maxBatchTokens, int overlap, int maxChunks) {
    TextChunks.count(1, spec.tokenizer().maxLength(), overlap, maxChunks); // validates
    if (batchSize < 1) {
      throw new IllegalArgumentException("encoder batchSize must be >= 1, got: " + batchSize);
    }
    if (maxBatchTokens != 0 && maxBatchTokens < spec.tokenizer().maxLength()) {
      throw new IllegalArgumentException(
          "encoder maxBatchTokens must be 0 (chunk batches of batchSize) or >= the chunk length " + spec.tokenizer().maxLength() + ", got: " + maxBatchTokens);
    }
    this.spec = spec;
    this.batchSize = batchSize;
    this.maxBatchTokens = maxBatchTokens;
    this.overlap = overlap;
    this.maxChunks = maxChunks;
  }

  /** The output rows: {@link CacheSchemas#features()} and {@code chunks}. */
  public static StructType schema() {
    return CacheSchemas.features().add(CHUNKS, DataTypes.IntegerType, false);
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return rows;
    }
    TextTokenizer whole = TextTokenizer.loadForWholeTexts(spec.tokenizerFile().localPath(), new TokenizerSettings(WHOLE_TEXT_TOKENS, true));
    EncoderTask task;
    try {
      task = EncoderTask.open(spec, "encode (chunked)", whole);
    } catch (RuntimeException e) {
      whole.close();
      throw e;
    }
    int length = spec.tokenizer().maxLength();
    boolean normalize = spec.normalize();
    return Batches.mapInBatches(
        rows,
        batchSize * TextBatch.WINDOW_BATCHES,
        window -> {
          List<Row> out = encodeWindow(window, whole, task.session(), length, normalize);
          task.progress().add(window.size());
          return out;
        });
  }

  private List<Row> encodeWindow(List<Row> window, TextTokenizer whole, OnnxSentenceEncoder.Session session, int length, boolean normalize) {
    TextBatch text = TextBatch.of(window);
    TokenizedBatch tokens = whole.tokenize(text.texts(), text.ids());
    List<TextChunks.Chunk> chunks = TextChunks.of(tokens, length, overlap, maxChunks);
    TokenizedBatch all = TextChunks.batch(chunks);
    List<int[]> plan;
    if (maxBatchTokens > 0) {
      plan = TokenBudget.plan(all.numTokens(), maxBatchTokens);
    } else {
      Integer[] order = new Integer[chunks.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(order, Comparator.comparingInt(i -> all.numTokens()[i]));
      plan = new ArrayList<>();
      for (int from = 0; from < order.length; from += batchSize) {
        int to = Math.min(from + batchSize, order.length);
        int[] batch = new int[to - from];
        for (int i = from; i < to; i++) {
          batch[i - from] = order[i];
        }
        plan.add(batch);
      }
    }
    int n = window.size();
    double[][] sums = new double[n][];
    int[] counts = new int[n];
    for (int[] batch : plan) {
      EncodedBatch encoded = session.encode(all.select(batch));
      for (int i = 0; i < batch.length; i++) {
        int row = chunks.get(batch[i]).row();
        float[] v = encoded.vectors()[i];
        if (sums[row] == null) {
          sums[row] = new double[v.length];
        }
        for (int k = 0; k < v.length; k++) {
          sums[row][k] += v[k];
        }
        counts[row]++;
      }
    }
    List<Row> out = new ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      float[] mean = new float[sums[r].length];
      double norm = 0;
      for (int k = 0; k < mean.length; k++) {
        double m = sums[r][k] / counts[r];
        norm += m * m;
        mean[k] = (float) m;
      }
      if (normalize && norm > 0) {
        double inv = 1 / Math.sqrt(norm);
        for (int k = 0; k < mean.length; k++) {
          mean[k] = (float) (mean[k] * inv);
        }
      }
      int numTokens = tokens.numTokens()[r];
      boolean cut = tokens.truncated()[r] || (maxChunks > 0 && TextChunks.count(numTokens, length, overlap, 0) > maxChunks);
      out.add(RowFactory.create(text.ids().get(r), numTokens, cut, mean, counts[r]));
    }
    return out;
  }
}
