package org.sparkdistill.bench;

import ai.djl.Device;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.udfs.inference.EncodeBatches;
import org.sparkdistill.udfs.inference.EncodePartitions;
import org.sparkdistill.udfs.inference.HeadScorePartitions;
import org.sparkdistill.udfs.inference.TokenizedRows;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.LinearHead;
import org.sparkdistill.udfs.model.OnnxSentenceEncoder;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.uncertainty.DropoutMask;
import org.sparkdistill.udfs.uncertainty.McDropoutScorer;
import org.sparkdistill.udfs.uncertainty.McDropoutStatistics;
import org.sparkdistill.udfs.uncertainty.Softmax;

/**
 * Figures for the teacher stage, each a ratio against a baseline run in the same JVM on the same
 * rows. Sections ({@code --sections}):
 *
 * <ul>
 *   <li>{@code runtime}: encode under Spark (1 task, then one task per core, into the noop sink)
 *       against {@link BareRuntimeEncoder}, ONNX Runtime's own Java API fed exactly the token ids
 *       and batches the tasks see (same slices, same intra-op threads and batch size); the same
 *       partition function in a plain loop, to split Spark's cost from the project's; achieved
 *       GFLOP/s ({@link EncoderFlops} on the padded batches) against an assumed peak ({@link
 *       CpuPeak}); and the largest difference between bare and project vectors.
 *   <li>{@code order}: length-sorted batches against batches in input order (model loaded once,
 *       outside the timed passes; tokenisation in both).
 *   <li>{@code precision}: the int8 encoder against fp32, bare runtime and Spark 1 task.
 *   <li>{@code batching}: token-budget batches ({@code encoder.maxBatchTokens}) against row
 *       batches, Spark 1 task, with the padding each plan computes.
 *   <li>{@code score}: K MC-dropout head passes against 1; the score cache's bytes per row.
 * </ul>
 *
 * Every time is a {@link Timing}: one warm-up pass excluded, then repeats of at least a second of
 * work; min and median are printed, ratios are of medians.
 */
public final class EncodeBenchmark {
  private static final int SCORE_ROUNDS = 50;
  private final SparkSession spark;
  private final EncoderSpec spec;
  private final EncoderSpec int8Spec;
  private final int batchSize;
  private final int maxBatchTokens;
  private final int repeats;
  private final List<String> out = new ArrayList<>();

  /**
   * @param spec the fp32 encoder
   * @param int8Spec the same encoder quantized (null: no precision section)
   * @param maxBatchTokens the stage's setting (0: row batches) for the runtime section
   */
  public EncodeBenchmark(SparkSession spark, EncoderSpec spec, EncoderSpec int8Spec, int batchSize, int maxBatchTokens, int repeats) {
    this.spark = spark;
    this.spec = spec;
    this.int8Spec = int8Spec;
    this.batchSize = batchSize;
    this.maxBatchTokens = maxBatchTokens;
    this.repeats = repeats;
  }

  /** Runs {@code sections} over {@code examples} (rows of {@link CacheSchemas#examples()}). */
  public List<String> run(List<Row> examples, Set<String> sections, List<Integer> tokenBudgets, LinearHead head, int mcPasses, Path scratch) {
    // DJL's engine creates the process-wide OrtEnvironment with its threading options; it must come
    // first, then the bare sessions open on the same environment.
    ai.djl.engine.Engine.getEngine("OnnxRuntime");
    int n = examples.size();
    int cores = spark.sparkContext().defaultParallelism();
    CpuPeak peak = CpuPeak.fromProcCpuinfo();
    print(
        "rows=%d batchSize=%d maxBatchTokens=%d intraOpThreads=%d cores=%d repeats=%d (each >= %.0f s of timed work, after one warm-up pass)",
        n, batchSize, maxBatchTokens, spec.intraOpThreads(), cores, repeats, Timing.MIN_SECONDS);
    print("peak: %s", peak.describe());
    try (TextTokenizer tokenizer = TextTokenizer.load(spec.tokenizerFile().localPath(), spec.tokenizer())) {
      List<List<TokenizedBatch>> one = plans(slices(examples, 1), tokenizer, maxBatchTokens);
      List<List<TokenizedBatch>> all = plans(slices(examples, cores), tokenizer, maxBatchTokens);
      Timing sparkOne = null;
      Timing bareOne = null;
      if (sections.contains("runtime")) {
        double flopsOne = EncoderFlops.MINILM_L6.of(one.get(0));
        double flopsAll = all.stream().mapToDouble(EncoderFlops.MINILM_L6::of).sum();
        print("work: %s", padding(one.get(0)));
        Timing sparkAll;
        try (BareRuntimeEncoder bare = new BareRuntimeEncoder(spec.modelFile().localPath().toString(), spec.intraOpThreads(), spec.normalize())) {
          bareOne = time("encode, bare ONNX Runtime, 1 thread", n, () -> bareRun(bare, one));
          Timing loop = time("encode, project partition function, plain loop", n, () -> loop(examples, spec, maxBatchTokens));
          sparkOne = time("encode, Spark 1 task", n, () -> encodeSpark(examples, spec, 1, maxBatchTokens));
          print("  ratio Spark 1 task / bare runtime (throughput): %.3f by wall median, %.3f by CPU time (target >= 0.95); plain loop / bare runtime: %.3f wall, %.3f CPU",
              bareOne.median() / sparkOne.median(), bareOne.cpuMedian() / sparkOne.cpuMedian(), bareOne.median() / loop.median(), bareOne.cpuMedian() / loop.cpuMedian());
          print("  GFLOP/s (padded work %.1f GFLOP): bare %.1f, Spark %.1f by wall min (%.0f%% and %.0f%% of the assumed 1-core peak %.1f); per CPU second: bare %.1f, Spark %.1f",
              flopsOne / 1e9, flopsOne / bareOne.min() / 1e9, flopsOne / sparkOne.min() / 1e9,
              100 * flopsOne / bareOne.min() / 1e9 / peak.gflops(1), 100 * flopsOne / sparkOne.min() / 1e9 / peak.gflops(1), peak.gflops(1),
              flopsOne / bareOne.cpuMin() / 1e9, flopsOne / sparkOne.cpuMin() / 1e9);
          print("  bare vs project vectors: max |difference| %.2e", maxDifference(bare, one, examples));
          Timing bareAll = time("encode, bare ONNX Runtime, " + cores + " threads x " + spec.intraOpThreads() + " intra-op", n, () -> bareRun(bare, all));
          sparkAll = time("encode, Spark " + cores + " tasks x " + spec.intraOpThreads() + " intra-op", n, () -> encodeSpark(examples, spec, cores, maxBatchTokens));
          print("  ratio Spark %d tasks / bare runtime %d threads: %.3f by wall median, %.3f by CPU time (target >= 0.95)", cores, cores, bareAll.median() / sparkAll.median(), bareAll.cpuMedian() / sparkAll.cpuMedian());
          print("  GFLOP/s by wall min: bare %.1f, Spark %.1f; %.0f%% and %.0f%% of the assumed %d-core peak %.1f",
              flopsAll / bareAll.min() / 1e9, flopsAll / sparkAll.min() / 1e9,
              100 * flopsAll / bareAll.min() / 1e9 / peak.gflops(cores), 100 * flopsAll / sparkAll.min() / 1e9 / peak.gflops(cores), cores, peak.gflops(cores));
        }
        int threads = cores * spec.intraOpThreads();
        try (BareRuntimeEncoder wide = new BareRuntimeEncoder(spec.modelFile().localPath().toString(), threads, spec.normalize())) {
          Timing t = time("encode, bare ONNX Runtime, 1 thread x " + threads + " intra-op", n, () -> bareRun(wide, one));
          print("  task slots vs intra-op threads for %d cores: Spark %d tasks x %d is %.2fx one call with %d intra-op threads", cores, cores, spec.intraOpThreads(), t.median() / sparkAll.median(), threads);
        }
      }
      if (sections.contains("order")) {
        order(examples, n);
      }
      if (sections.contains("precision") && int8Spec != null) {
        try (BareRuntimeEncoder fp32 = new BareRuntimeEncoder(spec.modelFile().localPath().toString(), spec.intraOpThreads(), spec.normalize());
            BareRuntimeEncoder int8 = new BareRuntimeEncoder(int8Spec.modelFile().localPath().toString(), int8Spec.intraOpThreads(), int8Spec.normalize())) {
          Timing f = bareOne != null ? bareOne : time("encode, bare ONNX Runtime, fp32, 1 thread", n, () -> bareRun(fp32, one));
          Timing q = time("encode, bare ONNX Runtime, int8, 1 thread", n, () -> bareRun(int8, one));
          Timing sf = sparkOne != null ? sparkOne : time("encode, Spark 1 task, fp32", n, () -> encodeSpark(examples, spec, 1, maxBatchTokens));
          Timing sq = time("encode, Spark 1 task, int8", n, () -> encodeSpark(examples, int8Spec, 1, maxBatchTokens));
          print("  int8 / fp32 throughput at batch %d: bare runtime %.2fx wall, %.2fx CPU; Spark 1 task %.2fx wall, %.2fx CPU (target >= 2.2x)",
              batchSize, f.median() / q.median(), f.cpuMedian() / q.cpuMedian(), sf.median() / sq.median(), sf.cpuMedian() / sq.cpuMedian());
        }
      }
      if (sections.contains("batching")) {
        Timing rows = time("encode, Spark 1 task, row batches of " + batchSize, n, () -> encodeSpark(examples, spec, 1, 0));
        print("  row batches: %s", padding(plans(slices(examples, 1), tokenizer, 0).get(0)));
        for (int budget : tokenBudgets) {
          Timing t = time("encode, Spark 1 task, token budget " + budget, n, () -> encodeSpark(examples, spec, 1, budget));
          print("  token budget %d: %s; throughput %.2fx row batches by wall median, %.2fx by CPU time", budget, padding(plans(slices(examples, 1), tokenizer, budget).get(0)), rows.median() / t.median(), rows.cpuMedian() / t.cpuMedian());
        }
      }
      if (sections.contains("score")) {
        score(examples, head, mcPasses, scratch, one.get(0), n);
      }
    }
    return out;
  }

  private Timing time(String what, int n, Runnable pass) {
    Timing t = Timing.of(pass, repeats);
    print("%-58s %7.1f rows/s (wall median), %7.1f per CPU s  %s", what, n / t.median(), n / t.cpuMedian(), t.describe());
    return t;
  }

  private void print(String format, Object... args) {
    String line = String.format(Locale.ROOT, format, args);
    out.add(line);
    System.out.println(line);
  }

  /** The rows each of {@code k} Spark tasks gets from {@code parallelize(rows, k)}, in task order. */
  private List<List<Row>> slices(List<Row> rows, int k) {
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, k).glom().collect();
  }

  /** The token batches each slice becomes: what {@link EncodePartitions} feeds the model. */
  private List<List<TokenizedBatch>> plans(List<List<Row>> slices, TextTokenizer tokenizer, int budget) {
    List<List<TokenizedBatch>> plans = new ArrayList<>();
    for (List<Row> slice : slices) {
      List<TokenizedBatch> plan = new ArrayList<>();
      Iterator<TokenizedRows> batches = EncodeBatches.of(slice.iterator(), tokenizer, batchSize, budget);
      batches.forEachRemaining(b -> plan.add(b.tokens()));
      plans.add(plan);
    }
    return plans;
  }

  private static String padding(List<TokenizedBatch> plan) {
    long padded = 0;
    long real = 0;
    int widest = 0;
    for (TokenizedBatch b : plan) {
      padded += b.paddedTokens();
      widest = Math.max(widest, b.size());
      for (int t : b.numTokens()) {
        real += t;
      }
    }
    return String.format(Locale.ROOT, "%d model calls (widest %d rows), %d real tokens, %d with padding (%.1f%% padding)", plan.size(), widest, real, padded, 100.0 * (padded - real) / padded);
  }

  /** One thread per plan, each with its own slice's batches, on the shared session. */
  private static void bareRun(BareRuntimeEncoder bare, List<List<TokenizedBatch>> plans) {
    if (plans.size() == 1) {
      for (TokenizedBatch b : plans.get(0)) {
        bare.encode(b);
      }
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(plans.size());
    try {
      List<Future<?>> done = new ArrayList<>();
      for (List<TokenizedBatch> plan : plans) {
        done.add(pool.submit(() -> plan.forEach(bare::encode)));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } catch (Exception e) {
      throw new IllegalStateException("bare runtime thread failed: " + e.getMessage(), e);
    } finally {
      pool.shutdown();
    }
  }

  /** The partition function Spark runs, called directly on one thread over all rows. */
  private Map<String, float[]> loop(List<Row> examples, EncoderSpec s, int budget) {
    Iterator<Row> rows = new EncodePartitions(s, batchSize, budget).call(examples.iterator());
    Map<String, float[]> vectors = new HashMap<>();
    while (rows.hasNext()) {
      Row r = rows.next();
      vectors.put(r.getString(0), r.getAs(3));
    }
    if (vectors.size() != examples.size()) {
      throw new IllegalStateException("encoded " + vectors.size() + " of " + examples.size() + " rows");
    }
    return vectors;
  }

  private void encodeSpark(List<Row> examples, EncoderSpec s, int partitions, int budget) {
    spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(examples, partitions), CacheSchemas.examples())
        .mapPartitions(new EncodePartitions(s, batchSize, budget), Encoders.row(CacheSchemas.features()))
        .write()
        .format("noop")
        .mode(SaveMode.Overwrite)
        .save();
  }

  private double maxDifference(BareRuntimeEncoder bare, List<List<TokenizedBatch>> one, List<Row> examples) {
    Map<String, float[]> project = loop(examples, spec, maxBatchTokens);
    List<String> ids = new ArrayList<>();
    try (TextTokenizer tokenizer = TextTokenizer.load(spec.tokenizerFile().localPath(), spec.tokenizer())) {
      EncodeBatches.of(examples.iterator(), tokenizer, batchSize, maxBatchTokens).forEachRemaining(b -> ids.addAll(b.ids()));
    }
    double max = 0;
    int row = 0;
    for (TokenizedBatch b : one.get(0)) {
      for (float[] v : bare.encode(b)) {
        float[] p = project.get(ids.get(row++));
        for (int d = 0; d < v.length; d++) {
          max = Math.max(max, Math.abs(v[d] - p[d]));
        }
      }
    }
    return max;
  }

  /** Length-sorted batches vs input order, both through one preloaded session, tokenisation included. */
  private void order(List<Row> examples, int n) {
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (Row row : examples) {
      ids.add(row.getAs(Columns.ID));
      texts.add(row.getAs(Columns.TEXT));
    }
    try (OnnxSentenceEncoder encoder = OnnxSentenceEncoder.load(spec, Device.cpu());
        OnnxSentenceEncoder.Session session = encoder.newSession()) {
      Timing input =
          time("encode, plain loop, batches in input order", n, () -> {
            for (int from = 0; from < n; from += batchSize) {
              int to = Math.min(from + batchSize, n);
              session.encode(texts.subList(from, to), ids.subList(from, to));
            }
          });
      Timing sorted =
          time("encode, plain loop, length-sorted batches", n,
              () -> EncodeBatches.of(examples.iterator(), encoder.tokenizer(), batchSize, 0).forEachRemaining(b -> session.encode(b.tokens())));
      print("  gain of length-sorted batches over input order (model loaded once, outside the timing): %.2fx wall, %.2fx CPU", input.median() / sorted.median(), input.cpuMedian() / sorted.cpuMedian());
    }
  }

  private void score(List<Row> examples, LinearHead head, int mcPasses, Path scratch, List<TokenizedBatch> plan, int n) {
    Map<String, float[]> byId = loop(examples, spec, maxBatchTokens);
    List<String> ids = new ArrayList<>();
    float[][] vectors = new float[n][];
    for (int i = 0; i < n; i++) {
      ids.add(examples.get(i).getAs(Columns.ID));
      vectors[i] = byId.get(ids.get(i));
    }
    McDropoutScorer one = new McDropoutScorer(head, 1, 7);
    McDropoutScorer k = new McDropoutScorer(head, mcPasses, 7);
    Timing scoreOne = time("head score, K=1 (x" + SCORE_ROUNDS + " rounds)", n * SCORE_ROUNDS, () -> scoreAll(one, ids, vectors));
    Timing scoreK = time("head score, K=" + mcPasses + " (x" + SCORE_ROUNDS + " rounds)", n * SCORE_ROUNDS, () -> scoreAll(k, ids, vectors));
    double encodeSeconds = Timing.of(() -> loop(examples, spec, maxBatchTokens), 1).median();
    Timing dense = time("head score, K=" + mcPasses + ", baseline: dense W·(x ⊙ mask) per pass (x" + SCORE_ROUNDS + " rounds)", n * SCORE_ROUNDS, () -> scoreAllDense(head, mcPasses, 7, ids, vectors));
    print("  cost of K=%d MC passes vs 1: %.2fx (CPU %.2fx); K=%d scoring vs encoding: %.4fx",
        mcPasses, scoreK.median() / scoreOne.median(), scoreK.cpuMedian() / scoreOne.cpuMedian(), mcPasses, scoreK.median() / SCORE_ROUNDS / encodeSeconds);
    print("  K=%d scoring, dropped-inputs update vs dense masked products: %.2fx faster (CPU %.2fx)", mcPasses, dense.median() / scoreK.median(), dense.cpuMedian() / scoreK.cpuMedian());
    print("%s", cacheSize(examples, vectors, head, mcPasses, scratch));
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

  /**
   * The straightforward MC computation, the baseline of the dropped-inputs update in {@link
   * McDropoutScorer}: per pass, materialise the documented mask and take the full masked product.
   */
  private static void scoreAllDense(LinearHead head, int passes, long seed, List<String> ids, float[][] vectors) {
    double sink = 0;
    for (int round = 0; round < SCORE_ROUNDS; round++) {
      for (int i = 0; i < vectors.length; i++) {
        long rowKey = DropoutMask.rowKey(ids.get(i));
        float[][] probabilities = new float[passes][];
        for (int k = 0; k < passes; k++) {
          probabilities[k] = Softmax.softmax(head.logits(vectors[i], DropoutMask.mask(rowKey, k, seed, vectors[i].length, head.dropoutRate())));
        }
        head.logits(vectors[i]);
        sink += McDropoutStatistics.of(probabilities).predictiveEntropy();
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
