package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;

/**
 * Runs {@code encode} and {@code score} on a local-cluster of two executor JVMs and checks they
 * write the same numbers as local mode; then trains a student and predicts with it on the
 * executors, checking the predictions against the student loaded on the driver. Local mode hides serialization and native-loading bugs:
 * here the encoder spec, the head and the partition functions are serialized to other JVMs, which
 * load ONNX Runtime and the tokenizer natives themselves.
 *
 * <p>Runs in its own surefire fork (tag {@code multi-jvm}): a JVM holds one SparkContext.
 */
@Tag("multi-jvm")
class MultiJvmEncodeScoreTest {
  private static final String JVM_FLAGS =
      "-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1";

  @TempDir Path tmp;

  @Test
  void twoExecutorJvmsWriteTheSameCacheAsLocalMode() throws Exception {
    Path localWork = tmp.resolve("local");
    Path clusterWork = tmp.resolve("cluster");
    DistillConfig local = TestConfigs.debianSlice(localWork, 160);
    DistillConfig cluster = TestConfigs.debianSlice(clusterWork, 160);

    Map<String, Row> localScores;
    SparkSession spark = session("local[2]");
    try {
      StageContext context = new StageContext(spark, local, false);
      new PrepareStage(context).run();
      new EncodeStage(context).run();
      new TrainTeacherStage(context).run();
      localScores = scores(spark, new ScoreStage(context).run().manifest(), localWork);
    } finally {
      spark.stop();
    }

    // The cluster run reuses the prepared data and the trained head, and recomputes encode + score.
    copyTree(localWork.resolve(PrepareStage.NAME), clusterWork.resolve(PrepareStage.NAME));
    copyTree(localWork.resolve(TrainTeacherStage.NAME), clusterWork.resolve(TrainTeacherStage.NAME));
    Files.createDirectories(Paths.get(System.getenv().getOrDefault("SPARK_HOME", "target/spark-home"), "jars"));
    spark = session("local-cluster[2,1,1024]");
    Map<String, Row> clusterScores;
    try {
      // Under load the second executor can register after a quick probe has run on the first:
      // wait for both (the driver counts as one more), and give each probe task some work.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(180);
      while (spark.sparkContext().statusTracker().getExecutorInfos().length < 3 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      List<String> jvms =
          new JavaSparkContext(spark.sparkContext())
              .parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8)
              .map(i -> {
                Thread.sleep(250);
                return ManagementFactory.getRuntimeMXBean().getName();
              })
              .distinct()
              .collect();
      assertThat(jvms).hasSize(2).doesNotContain(ManagementFactory.getRuntimeMXBean().getName());

      // The encode stage runs under the teacher stages' task-only resource profile (CPU-only here).
      cluster.resources.teacherTaskCpus = 1;
      List<Integer> profiles = new java.util.concurrent.CopyOnWriteArrayList<>();
      spark.sparkContext().addSparkListener(
          new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted submitted) {
              profiles.add(submitted.stageInfo().resourceProfileId());
            }
          });
      StageContext context = new StageContext(spark, cluster, false);
      StageResult encode = new EncodeStage(context).run();
      assertThat(encode.skipped()).isFalse();
      // each executor JVM's tasks reported their device through the accumulator (no GPU here)
      assertThat(encode.manifest().metrics().get("devices")).isEqualTo(List.of("cpu()"));
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertThat(profiles).as("stage resource profiles during encode").anyMatch(id -> id != 0);
      // The copied head was trained from the local features; the cluster's features must match them.
      StageResult score = new ScoreStage(context).run();
      clusterScores = scores(spark, score.manifest(), clusterWork);

      // The student side: targets, driver-coordinated training over executor-hashed rows, and
      // predict with the student shipped to the executors by addFile.
      StudentChainTest.smallStudent(cluster);
      // What is checked here is that the executors' predictions equal the saved student's on the
      // driver, for whatever student was trained: 3 epochs over the executors (each one a Spark
      // job on the cluster, as were the 40 that StudentChainTest needs for its quality bounds).
      cluster.student.epochs = 3;
      new TargetsStage(context).run();
      new TrainStudentStage(context).run();
      Manifest predictions = new PredictStage(context).run().manifest();
      List<Row> predicted =
          new PredictStage(context).output().read(spark, predictions, CacheSchemas.predictions()).orderBy(Columns.ID).limit(30).collectAsList();
      List<Row> texts = context.graph().input(PrepareStage.NAME).read(CacheSchemas.examples()).orderBy(Columns.ID).limit(30).collectAsList();
      try (org.sparkdistill.udfs.student.StudentModel student =
          org.sparkdistill.udfs.student.StudentModel.load(Paths.get(context.graph().input(TrainStudentStage.NAME).runDir().toUri().getPath()))) {
        float[][] expected = student.probabilities(texts.stream().map(r -> r.<String>getAs(Columns.TEXT)).toList());
        for (int i = 0; i < texts.size(); i++) {
          assertThat(predicted.get(i).<String>getAs(Columns.ID)).isEqualTo(texts.get(i).<String>getAs(Columns.ID));
          List<Float> probabilities = predicted.get(i).getList(predicted.get(i).fieldIndex(Columns.PROBABILITIES));
          for (int c = 0; c < expected[i].length; c++) {
            assertThat((double) probabilities.get(c)).isCloseTo(expected[i][c], org.assertj.core.data.Offset.offset(1e-6));
          }
        }
      }
    } finally {
      spark.stop();
    }

    assertThat(clusterScores.keySet()).isEqualTo(localScores.keySet());
    for (Map.Entry<String, Row> e : localScores.entrySet()) {
      Row a = e.getValue();
      Row b = clusterScores.get(e.getKey());
      assertClose(a, b, Columns.FEATURES, 1e-5);
      assertClose(a, b, Columns.LOGITS, 1e-4);
      assertClose(a, b, Columns.MEAN_PROBS, 1e-5);
      assertClose(a, b, Columns.VARIANCE, 1e-5);
      assertThat(b.<Double>getAs(Columns.ENTROPY)).isCloseTo(a.getAs(Columns.ENTROPY), org.assertj.core.data.Offset.offset(1e-5));
      assertThat(b.<Double>getAs(Columns.MUTUAL_INFO)).isCloseTo(a.getAs(Columns.MUTUAL_INFO), org.assertj.core.data.Offset.offset(1e-5));
      assertThat(b.<Boolean>getAs(Columns.TRUNCATED)).isEqualTo(a.getAs(Columns.TRUNCATED));
    }
  }

  private static void assertClose(Row a, Row b, String column, double tolerance) {
    List<Float> x = a.getList(a.fieldIndex(column));
    List<Float> y = b.getList(b.fieldIndex(column));
    assertThat(y).hasSameSizeAs(x);
    for (int i = 0; i < x.size(); i++) {
      assertThat((double) y.get(i)).as("%s[%d] of %s", column, i, a.getAs(Columns.ID)).isCloseTo(x.get(i), org.assertj.core.data.Offset.offset(tolerance));
    }
  }

  private static Map<String, Row> scores(SparkSession spark, Manifest manifest, Path work) {
    List<Row> rows =
        new org.sparkdistill.io.StageOutput(work.resolve(ScoreStage.NAME).toString(), spark.sparkContext().hadoopConfiguration())
            .read(spark, manifest, CacheSchemas.scores())
            .collectAsList();
    Map<String, Row> byId = new HashMap<>();
    rows.forEach(r -> byId.put(r.getAs(Columns.ID), r));
    return byId;
  }

  private static SparkSession session(String master) {
    return SparkSession.builder()
        .master(master)
        .appName("multi-jvm-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .config("spark.executor.extraJavaOptions", JVM_FLAGS)
        .config("spark.executor.memory", "1024m")
        .getOrCreate();
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.collect(Collectors.toList())) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
