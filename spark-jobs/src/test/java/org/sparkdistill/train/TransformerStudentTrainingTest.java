package org.sparkdistill.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.stage.TrainStudentStage;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.student.StudentArchitecture;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.KdLoss;

/**
 * The transformer student trains through the same loops as every student: with dropout off and one
 * partition, data-parallel gradient rounds reproduce the driver's loop exactly (the step, the
 * per-parameter learning rates and the executor-side rebuild from broadcast weights agree).
 */
class TransformerStudentTrainingTest {
  private static final List<String> LABELS = List.of("cats", "dogs");
  private static final List<String> PROBES = List.of("purr and meow", "bark at the kennel");

  private static StudentArchitecture architecture() {
    DistillConfig c = TestConfigs.debianSlice(Path.of("unused"), 10);
    c.student.architecture = "transformer";
    c.student.transformer.layers = new ArrayList<>(List.of(5));
    c.student.transformer.maxLength = 16;
    c.student.transformer.hiddenDropout = 0;
    c.student.transformer.attentionDropout = 0;
    c.student.transformer.headDropout = 0;
    c.student.transformer.warmupSteps = 2;
    return TrainStudentStage.architecture(c, LABELS);
  }

  private static float[][] train(StudentArchitecture architecture, EpochRunner runner, Dataset<Row> train, Dataset<Row> validation) {
    StudentTrainer.Result result =
        StudentTrainer.builder()
            .setStudent(architecture, null)
            .setLoss(new KdLoss(0.5, 2.0))
            .optEpochs(1)
            .optBatchSize(16)
            .optPatience(10)
            .optSeed(3)
            .optEpochRunner(runner)
            .build()
            .train(train, validation, StagePlan.of("train-student").labels(LABELS));
    try (StudentModel student = result.student()) {
      return student.logits(PROBES);
    }
  }

  @Test
  void dataParallelRoundsOverOnePartitionAreTheDriversLoop() {
    SparkSession spark = SharedSpark.session();
    Dataset<Row> train = StudentTrainerResumeTest.rows(spark, "transfer", 32, false, 0);
    Dataset<Row> validation = StudentTrainerResumeTest.rows(spark, "validation", 8, true, 1000);
    StudentArchitecture architecture = architecture();
    float[][] driver = train(architecture, new DriverEpochs(16, 3), train, validation);
    float[][] parallel = train(architecture, new DataParallelEpochs(1, 1, 16, 3, DataParallelEpochs.Mode.GRADIENTS, 0.01, 0.0), train, validation);
    assertThat(parallel).isDeepEqualTo(driver);
    // and training moved the weights away from the initialisation's logits
    try (StudentModel fresh = StudentModel.create(architecture, 3)) {
      assertThat(fresh.logits(PROBES)).isNotEqualTo(driver);
    }
  }
}
