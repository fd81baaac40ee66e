package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.train.DataParallelEpochs;
import org.sparkdistill.train.StudentTrainer;
import org.sparkdistill.train.StudentTrainerResumeTest;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.KdLoss;
import org.sparkdistill.udfs.train.StudentLoss;

/**
 * Executor JVMs killed with SIGKILL on a real multi-JVM cluster ({@code local-cluster[2,1,1024]}:
 * a standalone master, workers and two executor JVMs started by Spark): during a data-parallel
 * training round the lost task is retried and the final weights equal the undisturbed run's bit
 * for bit; during {@code encode} every prepared id appears exactly once in the published output,
 * counted by parquet-hadoop's own reader over the files the manifest lists.
 *
 * <p>Runs in its own surefire fork (tag {@code multi-jvm}): a JVM holds one SparkContext.
 */
@Tag("multi-jvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExecutorFaultsTest {
  private static final String JVM_FLAGS = "-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1";
  private static final List<String> LABELS = List.of("cats", "dogs");

  @TempDir Path tmp;
  private SparkSession spark;
  private final List<SparkListenerTaskEnd> lost = new CopyOnWriteArrayList<>();

  @BeforeAll
  void cluster() throws Exception {
    Files.createDirectories(Paths.get(System.getenv().getOrDefault("SPARK_HOME", "target/spark-home"), "jars"));
    spark =
        SparkSession.builder()
            .master("local-cluster[2,1,1024]")
            .appName("executor-faults-test")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
            .config("spark.executor.extraJavaOptions", JVM_FLAGS)
            .config("spark.executor.memory", "1024m")
            .getOrCreate();
    spark.sparkContext().addSparkListener(
        new SparkListener() {
          @Override
          public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.reason() instanceof ExecutorLostFailure) {
              lost.add(end);
            }
          }
        });
  }

  @AfterAll
  void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private byte[] train(StudentLoss loss) throws Exception {
    Dataset<Row> train = StudentTrainerResumeTest.rows(spark, "transfer", 160, false, 0);
    Dataset<Row> validation = StudentTrainerResumeTest.rows(spark, "validation", 20, true, 1000);
    StudentTrainer.Result result =
        StudentTrainerResumeTest.smallTrainer(loss, 0.2, 3)
            .optEpochRunner(new DataParallelEpochs(2, 1, 16, 3, DataParallelEpochs.Mode.GRADIENTS, 0.05, 0.0))
            .build()
            .train(train, validation, StagePlan.of("train-student").labels(LABELS));
    try (StudentModel student = result.student()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      student.saveParameters(out);
      return out.toByteArray();
    }
  }

  @Test
  void anExecutorKilledDuringATrainingRoundIsRetriedToTheUndisturbedWeights() throws Exception {
    byte[] undisturbed = train(new KdLoss(0.5, 2.0));
    lost.clear();
    Path marker = tmp.resolve("killed-executor.pid");
    // The executor running its 7th batch (about round 7 of 10 in epoch 1) SIGKILLs itself inside the training step.
    byte[] disturbed = train(new SelfKillingLoss(new KdLoss(0.5, 2.0), marker, 7));
    long pid = Long.parseLong(Files.readString(marker).trim());
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("executor JVM %d after SIGKILL", pid).isNotEqualTo(Optional.of(true));
    spark.sparkContext().listenerBus().waitUntilEmpty();
    assertThat(lost).as("tasks lost with the killed executor").isNotEmpty();
    assertThat(lost.get(0).taskInfo().index()).isBetween(0, 1);
    assertThat(disturbed).as("weights after a round retried on another executor").isEqualTo(undisturbed);
  }

  @Test
  void anExecutorKilledDuringEncodeLeavesEveryIdExactlyOnce() throws Exception {
    Path work = tmp.resolve("work");
    DistillConfig config = TestConfigs.debianSlice(work, 160);
    StageContext context = new StageContext(spark, config, false);
    Manifest prepared = new PrepareStage(context).run().manifest();

    // The encoding runs under the teacher stages' task-only resource profile, which marks its stage.
    config.resources.teacherTaskCpus = 1;
    // Which executor JVM is which, asked of the executors themselves.
    Map<String, Long> pids = new ConcurrentHashMap<>();
    new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
        .parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8)
        .map(i -> org.apache.spark.SparkEnv.get().executorId() + "=" + ProcessHandle.current().pid())
        .collect()
        .forEach(e -> pids.put(e.substring(0, e.indexOf('=')), Long.parseLong(e.substring(e.indexOf('=') + 1))));
    // SIGKILL the executor of the first encoding task 200 ms after it starts (it is still loading
    // the ONNX model and tokenizer, or encoding its first batch).
    Set<Integer> encodeStages = ConcurrentHashMap.newKeySet();
    AtomicBoolean fired = new AtomicBoolean();
    AtomicLong killedPid = new AtomicLong(-1);
    List<String> seen = new CopyOnWriteArrayList<>();
    SparkListener killer =
        new SparkListener() {
          @Override
          public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted submitted) {
            seen.add("stage " + submitted.stageInfo().stageId() + " profile " + submitted.stageInfo().resourceProfileId());
            if (submitted.stageInfo().resourceProfileId() != 0) {
              encodeStages.add(submitted.stageInfo().stageId());
            }
          }

          @Override
          public void onTaskStart(SparkListenerTaskStart start) {
            if (encodeStages.contains(start.stageId()) && fired.compareAndSet(false, true)) {
              String executor = start.taskInfo().executorId();
              seen.add("task on executor " + executor);
              Thread t = new Thread(() -> {
                try {
                  Thread.sleep(200);
                } catch (InterruptedException e) {
                  return;
                }
                Optional.ofNullable(pids.get(executor)).flatMap(ProcessHandle::of).or(() -> executorProcess(executor)).ifPresent(p -> {
                  killedPid.set(p.pid());
                  p.destroyForcibly();
                });
              }, "executor-killer");
              t.setDaemon(true);
              t.start();
            }
          }
        };
    lost.clear();
    spark.sparkContext().addSparkListener(killer);
    Manifest encoded;
    try {
      encoded = new EncodeStage(context).run().manifest();
    } finally {
      spark.sparkContext().removeSparkListener(killer);
    }
    spark.sparkContext().listenerBus().waitUntilEmpty();
    assertThat(killedPid.get()).as("an executor JVM was found and killed (executors %s; seen %s)", pids, seen).isPositive();
    assertThat(lost).as("encode tasks lost with the killed executor").isNotEmpty();

    Map<String, Integer> expected = idCounts(work.resolve(PrepareStage.NAME), prepared);
    Map<String, Integer> written = idCounts(work.resolve(EncodeStage.NAME), encoded);
    assertThat(expected.values()).allMatch(n -> n == 1);
    assertThat(written).as("ids in the encode output, counted by parquet-hadoop").isEqualTo(expected);
    assertThat(encoded.rowCount()).isEqualTo(expected.size());
  }

  /** The executor JVM with {@code --executor-id id}, among this JVM's descendants (local-cluster's workers start them). */
  private static Optional<ProcessHandle> executorProcess(String id) {
    return ProcessHandle.current()
        .descendants()
        .filter(p -> {
          String[] args = p.info().arguments().orElse(new String[0]);
          for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--executor-id") && args[i + 1].equals(id)) {
              return true;
            }
          }
          return false;
        })
        .findFirst();
  }

  /** Occurrences of each id in the Parquet files {@code manifest} lists, read with parquet-hadoop alone. */
  private static Map<String, Integer> idCounts(Path output, Manifest manifest) throws Exception {
    Map<String, Integer> out = new HashMap<>();
    for (String file : manifest.files()) {
      if (!file.endsWith(".parquet") || file.contains("_quarantine")) {
        continue;
      }
      try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(output.resolve(file).toString())).withConf(new Configuration()).build()) {
        for (Group g = reader.read(); g != null; g = reader.read()) {
          out.merge(g.getString("id", 0), 1, Integer::sum);
        }
      }
    }
    return out;
  }
}
