package org.sparkdistill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.KdLoss;
import org.sparkdistill.udfs.train.TrainingStep;

/** Data-parallel rounds: parity with the driver's loop, determinism, and that averaging learns. */
class DataParallelEpochsTest {
  private static final List<String> LABELS = List.of("cats", "dogs");
  private static final List<String> PROBES = List.of("purr and meow", "bark at the kennel", "a house", "kitten litter", "puppy leash");

  private static double lastAccuracy;

  private static float[][] train(EpochRunner runner, double dropout, Dataset<Row> train, Dataset<Row> validation) {
    StudentTrainer.Result result =
        StudentTrainerResumeTest.smallTrainer(new KdLoss(0.5, 2.0), dropout, 3)
            .optEpochRunner(runner)
            .build()
            .train(train, validation, StagePlan.of("train-student").labels(LABELS));
    lastAccuracy = result.bestValidationAccuracy();
    try (StudentModel student = result.student()) {
      return student.logits(PROBES);
    }
  }

  @Test
  void onePartitionWithOneStepPerRoundIsTheDriversLoop() {
    SparkSession spark = SharedSpark.session();
    Dataset<Row> train = StudentTrainerResumeTest.rows(spark, "transfer", 100, false, 0);
    Dataset<Row> validation = StudentTrainerResumeTest.rows(spark, "validation", 20, true, 1000);
    // Dropout off: the only difference left would be the order of rows or of the updates.
    float[][] driver = train(new DriverEpochs(16, 3), 0.0, train, validation);
    float[][] parallel = train(new DataParallelEpochs(1, 1, 16, 3, DataParallelEpochs.Mode.GRADIENTS, 0.05, 0.0), 0.0, train, validation);
    assertThat(parallel).isDeepEqualTo(driver);
  }

  /** Two partitions: both combinations learn, and a second run gives bit-identical weights. */
  @Test
  void bothCombinationsLearnOverTwoPartitions() {
    SparkSession spark = SharedSpark.session();
    Dataset<Row> train = StudentTrainerResumeTest.rows(spark, "transfer", 160, false, 0);
    Dataset<Row> validation = StudentTrainerResumeTest.rows(spark, "validation", 20, true, 1000);
    DataParallelEpochs gradients = new DataParallelEpochs(2, 1, 16, 3, DataParallelEpochs.Mode.GRADIENTS, 0.05, 0.0);
    float[][] first = train(gradients, 0.2, train, validation);
    double gradientsAccuracy = lastAccuracy;
    // Every row trained once per epoch; batchSize 16 is the global batch, 8 rows per task, so
    // rounds = the larger partition's batches of 8 (about 80 rows / 8).
    assertThat(gradients.lastEpoch().rows()).isEqualTo(160);
    assertThat(gradients.lastEpoch().rounds()).isBetween(10, 13);
    float[][] averaged = train(new DataParallelEpochs(2, 2, 16, 3, DataParallelEpochs.Mode.MODEL_AVERAGING, 0.05, 0.0), 0.2, train, validation);
    double averagedAccuracy = lastAccuracy;
    // Deterministic rounds: dropout seeded per (seed, epoch, round, partition, step), results
    // combined in partition order, whichever task thread finishes first.
    assertThat(train(new DataParallelEpochs(2, 1, 16, 3, DataParallelEpochs.Mode.GRADIENTS, 0.05, 0.0), 0.2, train, validation))
        .as("gradient averaging, second run").isDeepEqualTo(first);
    assertThat(train(new DataParallelEpochs(2, 2, 16, 3, DataParallelEpochs.Mode.MODEL_AVERAGING, 0.05, 0.0), 0.2, train, validation))
        .as("model averaging, second run").isDeepEqualTo(averaged);
    // Validation texts are cat or dog sentences (labels by construction); chance is 0.5.
    assertThat(gradientsAccuracy).as("gradient averaging, validation accuracy").isGreaterThanOrEqualTo(0.75);
    assertThat(averagedAccuracy).as("model averaging, validation accuracy").isGreaterThanOrEqualTo(0.75);
    // Cat words score "cats" higher than dog words do.
    assertThat(first[0][0] - first[0][1]).isGreaterThan(first[1][0] - first[1][1]);
  }

  /**
   * A garbage collection between every step's forward and backward pass changes no weight, in the
   * driver's loop or over two partitions. Such a collection once freed scalars that autograd had
   * saved (DJL's Number overloads, see {@code TorchScalars}): runs that met one diverged, about
   * once in a dozen benchmark runs; with a collection at every step, every run met it.
   */
  @Test
  void aCollectionBeforeEveryBackwardChangesNothing() {
    SparkSession spark = SharedSpark.session();
    Dataset<Row> train = StudentTrainerResumeTest.rows(spark, "transfer", 160, false, 0);
    Dataset<Row> validation = StudentTrainerResumeTest.rows(spark, "validation", 20, true, 1000);
    float[][] quietDriver = train(new DriverEpochs(16, 3), 0.2, train, validation);
    float[][] quietParallel = train(new DataParallelEpochs(2, 1, 16, 3, DataParallelEpochs.Mode.GRADIENTS, 0.05, 0.0), 0.2, train, validation);
    float[][] collectedDriver;
    float[][] collectedParallel;
    System.setProperty(TrainingStep.COLLECT_BEFORE_BACKWARD_PROPERTY, "true");
    try {
      collectedDriver = train(new DriverEpochs(16, 3), 0.2, train, validation);
      collectedParallel = train(new DataParallelEpochs(2, 1, 16, 3, DataParallelEpochs.Mode.GRADIENTS, 0.05, 0.0), 0.2, train, validation);
    } finally {
      System.clearProperty(TrainingStep.COLLECT_BEFORE_BACKWARD_PROPERTY);
    }
    assertThat(collectedDriver).as("driver loop, a collection before every backward").isDeepEqualTo(quietDriver);
    assertThat(collectedParallel).as("two partitions, a collection before every backward").isDeepEqualTo(quietParallel);
  }

  @Test
  void gradientAveragingRefusesSeveralLocalSteps() {
    assertThatThrownBy(() -> new DataParallelEpochs(2, 3, 16, 1, DataParallelEpochs.Mode.GRADIENTS, 0.01, 0))
        .hasMessageContaining("one step per round")
        .hasMessageContaining("localSteps=3");
  }
}
