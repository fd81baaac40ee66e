package org.sparkdistill.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.bench.CompactCacheBenchmark;
import org.sparkdistill.bench.EncodeBenchmark;
import org.sparkdistill.bench.PrecisionAccuracy;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.spark.SparkSessions;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.ScoreStage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageInput;
import org.sparkdistill.stage.TrainTeacherStage;
import org.sparkdistill.teacher.HeadTrainer;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.LinearHead;
import org.sparkdistill.udfs.schema.CacheSchemas;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints the teacher stage's benchmark figures (see {@link EncodeBenchmark}). Not a test: no assertion on time. */
@Command(
    name = "benchmark",
    description =
        "Print encode throughput under Spark vs ONNX Runtime's bare Java API (ratios, GFLOP/s vs an assumed peak), "
            + "int8 vs fp32 speed and teacher accuracy, token-budget vs row batches, MC-dropout cost and cache size.")
final class BenchmarkCommand implements Callable<Integer> {
  static final List<String> SECTIONS = List.of("runtime", "order", "precision", "accuracy", "batching", "score", "cache");

  @Mixin RunOptions options;

  @Option(names = "--rows", description = "Rows of the prepared data to encode (default: ${DEFAULT-VALUE}).")
  int rows = 512;

  @Option(names = "--repeats", description = "Timed repeats per measurement after one warm-up, each at least 1 s of work; min and median are printed (default: ${DEFAULT-VALUE}).")
  int repeats = 3;

  @Option(names = "--sections", split = ",", description = "Which figures: runtime, order, precision, accuracy, batching, score, cache (default: all).")
  List<String> sections = SECTIONS;

  @Option(names = "--token-budgets", split = ",", description = "encoder.maxBatchTokens values compared with row batches (default: ${DEFAULT-VALUE}).")
  List<Integer> tokenBudgets = List.of(2048, 4096);

  @Option(names = "--cache-seeds", split = ",", description = "cache section: teacher and student seeds of each float32 / int8 chain (default: ${DEFAULT-VALUE}).")
  List<Long> cacheSeeds = List.of(1L, 2L, 3L);

  @Option(names = "--cache-lelp-config", description = "cache section: a configuration (e.g. conf/lelp-debian4.yaml) whose targets.* (method and settings) train one more student per chain on its teacher outputs, to measure what int8 costs that method's fit; empty: none.")
  String cacheLelpConfig = "";

  @Option(names = "--cache-lelp-seeds", split = ",", description = "cache section: seeds of the --cache-lelp-config chains (default: --cache-seeds).")
  List<Long> cacheLelpSeeds = List.of();

  @Override
  public Integer call() throws Exception {
    Set<String> chosen = new LinkedHashSet<>(sections);
    for (String s : chosen) {
      if (!SECTIONS.contains(s)) {
        throw new IllegalArgumentException("--sections: unknown section " + s + ", expected some of " + SECTIONS);
      }
    }
    DistillConfig config = ConfigLoader.load(options.config, options.overrides);
    SparkSession spark = SparkSessions.getOrCreate(config.spark);
    StageContext context = new StageContext(spark, config, options.overwrite);
    PrepareStage prepare = new PrepareStage(context);
    Manifest prepared = prepare.run().manifest();
    Dataset<Row> all = prepare.output().read(spark, prepared, CacheSchemas.examples());
    List<Row> examples = all.orderBy("id").limit(rows).collectAsList();
    LinearHead head;
    String headSource;
    TrainTeacherStage teacher = new TrainTeacherStage(context);
    if (teacher.output().manifest().isPresent()) {
      head = ScoreStage.readHead(new StageInput(TrainTeacherStage.NAME, teacher.output(), teacher.output().manifest().get(), spark), config.data.labels);
      headSource = "trained head from " + teacher.output().dir();
    } else {
      head = EncodeBenchmark.randomHead(config.data.labels, 384, config.teacher.dropout);
      headSource = "seeded random head (no trained teacher in workDir yet)";
    }
    Path scratch = Files.createTempDirectory("spark-distill-bench");
    DistillConfig.EncoderSettings e = config.encoder;
    EncoderSpec base = EncodeStage.encoderSpec(e);
    EncoderSpec fp32 = withModel(base, e.model);
    EncoderSpec int8 = Files.isRegularFile(Path.of(e.int8Model)) ? withModel(base, e.int8Model) : null;
    System.out.println("Benchmark: " + headSource + ", fp32 encoder " + e.model + ", int8 encoder " + (int8 == null ? "(missing: " + e.int8Model + ")" : e.int8Model) + ", maxLength " + e.maxLength);
    if (chosen.stream().anyMatch(s -> !s.equals("cache") && !s.equals("accuracy"))) {
      new EncodeBenchmark(spark, fp32, int8, e.batchSize, e.maxBatchTokens, repeats).run(examples, chosen, tokenBudgets, head, config.score.mcPasses, scratch);
    }
    if (chosen.contains("accuracy") && int8 != null) {
      DistillConfig.TeacherSettings t = config.teacher;
      HeadTrainer trainer =
          HeadTrainer.builder()
              .optDropout(t.dropout)
              .optEpochs(t.epochs)
              .optBatchSize(t.batchSize)
              .optLearningRate(t.learningRate)
              .optWeightDecay(t.weightDecay)
              .optPatience(t.patience)
              .optSeed(t.seed)
              .build();
      int partitions = e.partitions > 0 ? e.partitions : spark.sparkContext().defaultParallelism();
      new PrecisionAccuracy(e.batchSize, e.maxBatchTokens, partitions, trainer, config.data.labels, t.dropout)
          .run(all, fp32, int8)
          .forEach(System.out::println);
    }
    if (chosen.contains("cache")) {
      CompactCacheBenchmark cache = new CompactCacheBenchmark(spark, options.overwrite);
      List<String> report = new java.util.ArrayList<>(cache.report(config, String.valueOf(options.config), cacheSeeds, scratch));
      if (!cacheLelpConfig.isBlank()) {
        DistillConfig lelp = ConfigLoader.load(cacheLelpConfig, List.of());
        report.addAll(cache.lelpReport(config, lelp, cacheLelpConfig, cacheLelpSeeds.isEmpty() ? cacheSeeds : cacheLelpSeeds));
      }
      report.forEach(System.out::println);
    }
    return 0;
  }

  /** The stage's encoder spec with another model file (fp32 or int8 of the same encoder). */
  private static EncoderSpec withModel(EncoderSpec s, String modelFile) {
    return new EncoderSpec(org.sparkdistill.udfs.model.ModelFile.local("encoder.model", Path.of(modelFile).toAbsolutePath()), s.tokenizerFile(), s.tokenizer(), s.pooling(), s.normalize(), s.intraOpThreads(), s.device());
  }
}
