package org.sparkdistill.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.bench.EncodeBenchmark;
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
import org.sparkdistill.udfs.model.LinearHead;
import org.sparkdistill.udfs.schema.CacheSchemas;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints the teacher stage's benchmark figures (see {@link EncodeBenchmark}). Not a test: no assertion on time. */
@Command(
    name = "benchmark",
    description = "Print encode throughput under Spark vs a plain loop, MC-dropout cost and cache size (ratios).")
final class BenchmarkCommand implements Callable<Integer> {
  @Mixin RunOptions options;

  @Option(names = "--rows", description = "Rows of the prepared data to encode (default: ${DEFAULT-VALUE}).")
  int rows = 512;

  @Option(names = "--repeats", description = "Timed repeats per measurement after one warm-up; the best counts (default: ${DEFAULT-VALUE}).")
  int repeats = 2;

  @Override
  public Integer call() throws Exception {
    DistillConfig config = ConfigLoader.load(options.config, options.overrides);
    SparkSession spark = SparkSessions.getOrCreate(config.spark);
    StageContext context = new StageContext(spark, config, options.overwrite);
    PrepareStage prepare = new PrepareStage(context);
    Manifest prepared = prepare.run().manifest();
    List<Row> examples =
        prepare.output().read(spark, prepared, CacheSchemas.examples()).orderBy("id").limit(rows).collectAsList();
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
    System.out.println("Benchmark: " + headSource + ", encoder " + config.encoder.model + ", maxLength " + config.encoder.maxLength);
    new EncodeBenchmark(spark, EncodeStage.encoderSpec(config.encoder), config.encoder.batchSize, repeats)
        .run(examples, head, config.score.mcPasses, scratch)
        .forEach(System.out::println);
    return 0;
  }
}
