package org.sparkdistill.bench;

import ai.djl.Device;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.udfs.inference.EncodePartitions;
import org.sparkdistill.udfs.inference.HeadScorePartitions;
import org.sparkdistill.udfs.model.EncodedBatch;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.LinearHead;
import org.sparkdistill.udfs.model.OnnxSentenceEncoder;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.uncertainty.McDropoutScorer;

/**
 * Figures for the teacher stage, each a ratio against a baseline run in the same JVM:
 *
 * <ol>
 *   <li>encode throughput under Spark (one task, {@code mapPartitions} into the noop sink) against
 *       a plain loop calling the same partition function over the same rows, with the same ONNX
 *       Runtime threads and batch size; and a loop batching in input order, to show what the
 *       length-sorted batches buy;
 *   <li>the same with one task per core against the loop given all cores' threads;
 *   <li>the cost of K Monte-Carlo-dropout passes of the head against one pass, and against the
 *       encoder's cost per row;
 *   <li>bytes per row of the written score cache against the raw float32 size of its numbers.
 * </ol>
 *
 * Timings follow one warm-up pass over the rows; each measurement is the best of {@code repeats}.
 */
public final class EncodeBenchmark {
  private static final int SCORE_ROUNDS = 50;
  private final SparkSession spark;
  private final EncoderSpec spec;
  private final int batchSize;
  private final int repeats;

  public EncodeBenchmark(SparkSession spark, EncoderSpec spec, int batchSize, int repeats) {
    this.spark = spark;
    this.spec = spec;
    this.batchSize = batchSize;
    this.repeats = repeats;
  }

  /** Runs every measurement over {@code examples} (rows of {@link CacheSchemas#examples()}). */
  public List<String> run(List<Row> examples, LinearHead head, int mcPasses, Path scratch) {
    List<String> out = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (Row row : examples) {
      ids.add(row.getAs(Columns.ID));
      texts.add(row.getAs(Columns.TEXT));
    }
    int n = texts.size();
    int cores = spark.sparkContext().defaultParallelism();
    out.add(String.format(Locale.ROOT, "rows=%d batchSize=%d intraOpThreads=%d cores=%d repeats=%d", n, batchSize, spec.intraOpThreads(), cores, repeats));

    float[][] vectors = new float[n][];
    double naive = best(() -> encodeNaive(spec, ids, texts, vectors));
    double loop = best(() -> encodeLoop(examples, spec));
    double sparkOne = best(() -> encodeSpark(examples, spec, 1));
    out.add(row("encode, plain loop, batches in input order", n, naive));
    out.add(row("encode, plain loop, same partition function", n, loop));
    out.add(row("encode, Spark 1 task", n, sparkOne));
    out.add(String.format(Locale.ROOT, "  ratio Spark/loop, same code, threads and batch size: %.3f (target >= 0.9)", loop / sparkOne));
    out.add(String.format(Locale.ROOT, "  gain of length-sorted batches over input order: %.2fx", naive / loop));

    EncoderSpec allCores =
        new EncoderSpec(spec.modelFile(), spec.tokenizerFile(), spec.tokenizer(), spec.pooling(), spec.normalize(), cores * spec.intraOpThreads(), spec.device());
    double loopAll = best(() -> encodeLoop(examples, allCores));
    double sparkAll = best(() -> encodeSpark(examples, spec, cores));
    out.add(row("encode, plain loop, " + allCores.intraOpThreads() + " ONNX threads", n, loopAll));
    out.add(row("encode, Spark " + cores + " tasks x " + spec.intraOpThreads() + " ONNX thread", n, sparkAll));
    out.add(String.format(Locale.ROOT, "  ratio Spark/loop, all cores: %.3f", loopAll / sparkAll));

    McDropoutScorer one = new McDropoutScorer(head, 1, 7);
    McDropoutScorer k = new McDropoutScorer(head, mcPasses, 7);
    // Scoring is ~1000x cheaper than encoding: time SCORE_ROUNDS rounds so the figures are stable.
    double scoreOne = best(() -> scoreAll(one, ids, vectors)) / SCORE_ROUNDS;
    double scoreK = best(() -> scoreAll(k, ids, vectors)) / SCORE_ROUNDS;
    out.add(row("head score, K=1", n, scoreOne));
    out.add(row("head score, K=" + mcPasses, n, scoreK));
    out.add(String.format(Locale.ROOT, "  cost of K=%d MC passes vs 1: %.2fx; K=%d scoring vs encoding: %.4fx", mcPasses, scoreK / scoreOne, mcPasses, scoreK / loop));

    out.add(cacheSize(examples, vectors, head, mcPasses, scratch));
    return out;
  }

  private double best(Runnable body) {
    body.run(); // warm-up
    double best = Double.MAX_VALUE;
    for (int i = 0; i < repeats; i++) {
      long start = System.nanoTime();
      body.run();
      best = Math.min(best, (System.nanoTime() - start) / 1e9);
    }
    return best;
  }

  /** The partition function Spark runs, called directly on one thread over all rows. */
  private void encodeLoop(List<Row> examples, EncoderSpec s) {
    java.util.Iterator<Row> out = new EncodePartitions(s, batchSize).call(examples.iterator());
    int rows = 0;
    while (out.hasNext()) {
      out.next();
      rows++;
    }
    if (rows != examples.size()) {
      throw new IllegalStateException("encoded " + rows + " of " + examples.size() + " rows");
    }
  }

  /** Batches in input order, no model cache: what a first attempt without the pipeline's batching does. */
  private void encodeNaive(EncoderSpec s, List<String> ids, List<String> texts, float[][] vectors) {
    try (OnnxSentenceEncoder encoder = OnnxSentenceEncoder.load(s, Device.cpu());
        OnnxSentenceEncoder.Session session = encoder.newSession()) {
      for (int from = 0; from < texts.size(); from += batchSize) {
        int to = Math.min(from + batchSize, texts.size());
        EncodedBatch batch = session.encode(texts.subList(from, to), ids.subList(from, to));
        System.arraycopy(batch.vectors(), 0, vectors, from, to - from);
      }
    }
  }

  private void encodeSpark(List<Row> examples, EncoderSpec s, int partitions) {
    spark.createDataFrame(examples, CacheSchemas.examples())
        .repartition(partitions)
        .mapPartitions(new EncodePartitions(s, batchSize), Encoders.row(CacheSchemas.features()))
        .write()
        .format("noop")
        .mode(SaveMode.Overwrite)
        .save();
  }

  private static void scoreAll(McDropoutScorer scorer, List<String> ids, float[][] vectors) {
    double sink = 0;
    for (int round = 0; round < SCORE_ROUNDS; round++) {
      for (int i = 0; i < vectors.length; i++) {
        sink += scorer.score(ids.get(i), vectors[i]).mcDropout().predictiveEntropy();
      }
    }
    if (Double.isNaN(sink)) {
      throw new IllegalStateException("NaN entropy");
    }
  }

  private String cacheSize(List<Row> examples, float[][] vectors, LinearHead head, int mcPasses, Path scratch) {
    List<Row> features = new ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      features.add(RowFactory.create(examples.get(i).getAs(Columns.ID), 0, false, vectors[i]));
    }
    Path dir = scratch.resolve("scores-" + System.nanoTime());
    Dataset<Row> labelled =
        spark.createDataFrame(examples, CacheSchemas.examples())
            .select(Columns.ID, Columns.SPLIT, Columns.LABEL)
            .join(spark.createDataFrame(features, CacheSchemas.features()), Columns.ID);
    Dataset<Row> scores =
        labelled.coalesce(1).mapPartitions(new HeadScorePartitions(head, mcPasses, 7), Encoders.row(CacheSchemas.scores()));
    scores.write().parquet(dir.toString());
    long bytes;
    try (Stream<Path> files = Files.walk(dir)) {
      bytes = files.filter(p -> p.toString().endsWith(".parquet")).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int c = head.numClasses();
    int d = head.inputDim();
    // logits, mean probabilities, variance (C each), features (d), entropy, certainty, MI.
    long raw = 4L * (3L * c + d + 3);
    double perRow = (double) bytes / examples.size();
    return String.format(
        Locale.ROOT,
        "cache: %.0f bytes/row in Parquet (snappy, ids and labels included) vs %d bytes/row of raw float32 numbers: %.2fx",
        perRow,
        raw,
        perRow / raw);
  }

  private static String row(String what, int n, double seconds) {
    return String.format(Locale.ROOT, "%-45s %8.2f s  %9.1f rows/s", what, seconds, n / seconds);
  }

  /** A seeded random head for when no trained teacher exists yet. */
  public static LinearHead randomHead(List<String> labels, int dim, double dropout) {
    SplittableRandom random = new SplittableRandom(11);
    float[][] w = new float[labels.size()][dim];
    float[] b = new float[labels.size()];
    for (float[] row : w) {
      for (int j = 0; j < dim; j++) {
        row[j] = (float) (random.nextGaussian() * 2.0);
      }
    }
    return new LinearHead(labels, w, b, dropout);
  }
}
