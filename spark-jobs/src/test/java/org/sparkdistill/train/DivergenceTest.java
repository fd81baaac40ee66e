package org.sparkdistill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.KdLoss;
import org.sparkdistill.udfs.train.StudentLoss;
import org.sparkdistill.udfs.train.TorchScalars;
import org.sparkdistill.udfs.train.TrainingDivergedException;

/**
 * A non-finite loss stops training at that step, naming it, and the checkpoint written before it
 * stays the newest: a rerun resumes from it and ends where an undisturbed run ends.
 */
class DivergenceTest {
  private static final List<String> LABELS = List.of("cats", "dogs");
  /** Calls of the poisoned loss in this JVM (the driver's loop runs it on the driver). */
  private static final AtomicInteger CALLS = new AtomicInteger();

  @TempDir Path tmp;

  /** KD, except that call number {@code poisonedCall} and every later call (1-based, counted per JVM) return loss × NaN. */
  private record PoisonedLoss(StudentLoss inner, int poisonedCall) implements StudentLoss {
    @Override
    public NDArray compute(NDArray logits, NDArray targets, NDArray labels, NDArray weights) {
      NDArray loss = inner.compute(logits, targets, labels, weights);
      return CALLS.incrementAndGet() >= poisonedCall ? loss.mul(TorchScalars.of(loss, Float.NaN)) : loss;
    }
  }

  private static StudentTrainer.Builder trainer(StudentLoss loss, Path checkpoints) {
    return StudentTrainerResumeTest.smallTrainer(loss, 0.2, 3)
        .optCheckpoints(new org.apache.hadoop.fs.Path(checkpoints.toUri()), new Configuration(), true, false);
  }

  @Test
  void aNaNLossInTheDriversLoopNamesTheEpochAndBatchAndKeepsTheLastCheckpoint() throws Exception {
    SparkSession spark = SharedSpark.session();
    // 120 rows in batches of 16: 8 batches per epoch; the 11th call is epoch 2's third batch.
    Dataset<Row> train = StudentTrainerResumeTest.rows(spark, "transfer", 120, false, 0);
    Dataset<Row> validation = StudentTrainerResumeTest.rows(spark, "validation", 30, true, 1000);
    StagePlan plan = StagePlan.of("train-student").setting("test", "divergence").labels(LABELS);
    KdLoss kd = new KdLoss(0.5, 2.0);
    StudentTrainer.Result straight = trainer(kd, tmp.resolve("straight")).build().train(train, validation, plan);

    Path dir = tmp.resolve("diverged");
    CALLS.set(0);
    assertThatThrownBy(() -> trainer(new PoisonedLoss(kd, 11), dir).build().train(train, validation, plan))
        .isInstanceOf(TrainingDivergedException.class)
        .hasMessageStartingWith("student training diverged: loss NaN on a batch of 16 rows at epoch 2, batch 3 (first row id transfer-")
        .hasMessageContaining("(after epoch 1), was written before it and is kept")
        .hasMessageEndingWith("(lower student.learningRate)");
    CheckpointStore store = new CheckpointStore(new org.apache.hadoop.fs.Path(dir.toUri()), new Configuration());
    assertThat(store.newestFirst()).as("one checkpoint, epoch 1's").hasSize(1);
    assertThat(store.newestFirst().get(0).commit().state().epoch).isEqualTo(1);
    assertThat(Files.list(dir).count()).isPositive();

    // The same plan with a loss that stays finite resumes from epoch 1 and ends where the undisturbed run ended.
    StudentTrainer.Result resumed = trainer(kd, dir).build().train(train, validation, plan);
    assertThat(resumed.resumedFromEpoch()).isEqualTo(1);
    assertThat(resumed.history()).isEqualTo(straight.history());
    try (StudentModel a = straight.student(); StudentModel b = resumed.student()) {
      List<String> probes = List.of("purr and meow", "bark at the kennel");
      assertThat(b.logits(probes)).isDeepEqualTo(a.logits(probes));
    }
  }

  @Test
  void aNaNLossInADataParallelTaskNamesTheRoundAndPartition() {
    SparkSession spark = SharedSpark.session();
    Dataset<Row> train = StudentTrainerResumeTest.rows(spark, "transfer", 64, false, 0);
    Dataset<Row> validation = StudentTrainerResumeTest.rows(spark, "validation", 10, true, 1000);
    StagePlan plan = StagePlan.of("train-student").setting("test", "divergence-parallel").labels(LABELS);
    CALLS.set(0);
    // Local mode runs the tasks in this JVM, so the count is shared: every step of the first round is poisoned.
    DataParallelEpochs runner = new DataParallelEpochs(2, 1, 16, 3, DataParallelEpochs.Mode.GRADIENTS, 0.05, 0.0);
    assertThatThrownBy(() -> trainer(new PoisonedLoss(new KdLoss(0.5, 2.0), 1), tmp.resolve("parallel")).optEpochRunner(runner).build().train(train, validation, plan))
        .isInstanceOf(TrainingDivergedException.class)
        .hasMessageMatching("student training diverged: loss NaN on a batch of 8 rows at epoch 1, round 1, partition [01], local step 1 \\(first row id transfer-\\d+\\); "
            + "nothing was published; no checkpoint had been written yet under .*");
  }
}
