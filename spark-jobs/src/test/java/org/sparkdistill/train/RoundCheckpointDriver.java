package org.sparkdistill.train;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.student.StudentConfig;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.KdLoss;

/**
 * The training "command" of {@link DataParallelResumeTest}, run in its own driver JVM so that the
 * test can SIGKILL it: data-parallel training over two partitions with a checkpoint every round.
 * Args: checkpoint directory, file for the final weights, file for the run's report line. The
 * test JVM runs the same {@link #train} in-process for the uninterrupted reference.
 */
public final class RoundCheckpointDriver {
  static final List<String> LABELS = List.of("cats", "dogs");
  static final StagePlan PLAN = StagePlan.of("train-student").setting("test", "round-checkpoints").labels(LABELS);

  private RoundCheckpointDriver() {}

  /** The report of a run: where it resumed, its history and its final weights. */
  record Run(int resumedFromEpoch, int resumedFromRound, List<TrainingHistory> history, byte[] weights) {
    String line() {
      return "resumedFromEpoch=" + resumedFromEpoch + " resumedFromRound=" + resumedFromRound + " history=" + history;
    }
  }

  static Run train(SparkSession spark, Path checkpoints) throws Exception {
    return train(spark, checkpoints, false);
  }

  /** {@code overwrite}: checkpoints of other settings, or none usable, are discarded ({@code --overwrite}). */
  static Run train(SparkSession spark, Path checkpoints, boolean overwrite) throws Exception {
    Dataset<Row> train = StudentTrainerResumeTest.rows(spark, "transfer", 160, false, 0);
    Dataset<Row> validation = StudentTrainerResumeTest.rows(spark, "validation", 20, true, 1000);
    StudentConfig config = new StudentConfig(LABELS, 1024, 8, 0, 0.2, 2, 64, 17);
    StudentTrainer.Result result =
        StudentTrainer.builder()
            .setStudent(config, null)
            .setLoss(new KdLoss(0.5, 2.0))
            .optEpochs(2)
            .optBatchSize(16)
            .optLearningRate(0.05)
            .optPatience(10)
            .optSeed(3)
            .optEpochRunner(new DataParallelEpochs(2, 1, 16, 3, DataParallelEpochs.Mode.GRADIENTS, 0.05, 0.0))
            .optCheckpoints(new org.apache.hadoop.fs.Path(checkpoints.toUri()), new Configuration(), true, overwrite)
            .optCheckpointEveryRounds(1)
            .build()
            .train(train, validation, PLAN);
    try (StudentModel student = result.student()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      student.saveParameters(out);
      return new Run(result.resumedFromEpoch(), result.resumedFromRound(), result.history(), out.toByteArray());
    }
  }

  public static void main(String[] args) throws Exception {
    Run run = train(SharedSpark.session(), Paths.get(args[0]));
    Path weights = Paths.get(args[1]);
    Path temp = weights.resolveSibling(weights.getFileName() + ".tmp");
    Files.write(temp, run.weights());
    Files.move(temp, weights, StandardCopyOption.ATOMIC_MOVE);
    Files.writeString(Paths.get(args[2]), run.line());
    System.exit(0);
  }
}
