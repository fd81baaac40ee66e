package org.sparkdistill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.student.StudentConfig;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.KdLoss;
import org.sparkdistill.udfs.train.StudentLoss;

/** A run interrupted after a checkpoint and resumed ends exactly where an uninterrupted run ends. */
public class StudentTrainerResumeTest {
  private static final List<String> LABELS = List.of("cats", "dogs");
  private static final String[] CAT = {"whiskers", "purr", "meow", "litter", "kitten"};
  private static final String[] DOG = {"bark", "leash", "puppy", "fetch", "kennel"};

  @TempDir Path tmp;

  public static Dataset<Row> rows(SparkSession spark, String split, int n, boolean labelled, int offset) {
    List<Row> out = new ArrayList<>();
    java.util.Random random = new java.util.Random(offset);
    for (int i = 0; i < n; i++) {
      boolean cat = i % 2 == 0;
      String[] words = cat ? CAT : DOG;
      String text = words[random.nextInt(5)] + " and " + words[random.nextInt(5)] + " near the house " + random.nextInt(50);
      float[] target = cat ? new float[] {0.8f, 0.2f} : new float[] {0.3f, 0.7f};
      out.add(RowFactory.create(split + "-" + (offset + i), split, labelled || i % 4 == 0 ? (cat ? "cats" : "dogs") : null, text, target, 1.0));
    }
    return spark.createDataFrame(out, CacheSchemas.targets());
  }

  /**
   * The small cats-and-dogs n-gram student the training tests share (1,024 buckets, 8 hidden, the
   * given dropout), batch 16, learning rate 0.05, patience 10, seed 3.
   */
  public static StudentTrainer.Builder smallTrainer(StudentLoss loss, double dropout, int epochs) {
    return StudentTrainer.builder()
        .setStudent(new StudentConfig(LABELS, 1024, 8, 0, dropout, 2, 64, 17), null)
        .setLoss(loss)
        .optEpochs(epochs)
        .optBatchSize(16)
        .optLearningRate(0.05)
        .optPatience(10)
        .optSeed(3);
  }

  private static StudentTrainer.Builder trainer(Path checkpoints) {
    return smallTrainer(new KdLoss(0.5, 2.0), 0.2, 4)
        .optCheckpoints(new org.apache.hadoop.fs.Path(checkpoints.toUri()), new Configuration(), true, false);
  }

  private static float[][] logits(StudentTrainer.Result result) {
    try (StudentModel student = result.student()) {
      return student.logits(List.of("purr and meow", "bark at the kennel", "a house"));
    }
  }

  @Test
  void resumingAfterAnInterruptionMatchesAnUninterruptedRun() {
    SparkSession spark = SharedSpark.session();
    Dataset<Row> train = rows(spark, "transfer", 120, false, 0);
    Dataset<Row> validation = rows(spark, "validation", 30, true, 1000);
    StagePlan plan = StagePlan.of("train-student").setting("test", "resume").labels(LABELS);

    StudentTrainer.Result straight = trainer(tmp.resolve("straight")).build().train(train, validation, plan);
    assertThat(straight.history()).hasSize(4);
    float[][] expected = logits(straight);

    assertThatThrownBy(() -> trainer(tmp.resolve("resumed")).optStopAfterEpoch(2).build().train(train, validation, plan))
        .isInstanceOf(StudentTrainer.Interrupted.class);
    StudentTrainer.Result resumed = trainer(tmp.resolve("resumed")).build().train(train, validation, plan);
    assertThat(resumed.resumedFromEpoch()).isEqualTo(2);
    assertThat(resumed.history()).hasSize(4);
    assertThat(resumed.history()).isEqualTo(straight.history());
    assertThat(resumed.bestEpoch()).isEqualTo(straight.bestEpoch());
    assertThat(logits(resumed)).isDeepEqualTo(expected);
  }

  /**
   * A driver killed between any two files of a checkpoint (or before its commit record) resumes
   * from the previous complete checkpoint and still ends with the uninterrupted run's weights.
   */
  @Test
  void aCrashBetweenAnyTwoCheckpointFilesResumesToTheSameWeights() {
    SparkSession spark = SharedSpark.session();
    Dataset<Row> train = rows(spark, "transfer", 120, false, 0);
    Dataset<Row> validation = rows(spark, "validation", 30, true, 1000);
    StagePlan plan = StagePlan.of("train-student").setting("test", "crash").labels(LABELS);
    StudentTrainer.Result straight = trainer(tmp.resolve("straight")).build().train(train, validation, plan);
    float[][] expected = logits(straight);
    for (String file : List.of("weights.params", "optimizer.bin", "best.params", "_commit")) {
      Path dir = tmp.resolve("crash-" + file);
      assertThatThrownBy(() -> trainer(dir).optCrashBeforeCheckpointFile(3, file).build().train(train, validation, plan))
          .isInstanceOf(StudentTrainer.Interrupted.class)
          .hasMessageContaining("before " + file);
      StudentTrainer.Result resumed = trainer(dir).build().train(train, validation, plan);
      assertThat(resumed.resumedFromEpoch()).as("resumed after a crash before %s", file).isEqualTo(2);
      assertThat(resumed.history()).isEqualTo(straight.history());
      assertThat(logits(resumed)).as("weights after a crash before %s", file).isDeepEqualTo(expected);
    }
  }

  @Test
  void aCheckpointOfAnotherConfigurationIsRefusedNamingTheDifference() {
    SparkSession spark = SharedSpark.session();
    Dataset<Row> train = rows(spark, "transfer", 40, false, 0);
    Dataset<Row> validation = rows(spark, "validation", 10, true, 1000);
    StagePlan plan = StagePlan.of("train-student").setting("student.learningRate", "0.05").labels(LABELS);
    assertThatThrownBy(() -> trainer(tmp.resolve("ckpt")).optStopAfterEpoch(1).build().train(train, validation, plan))
        .isInstanceOf(StudentTrainer.Interrupted.class);
    StagePlan other = StagePlan.of("train-student").setting("student.learningRate", "0.1").labels(LABELS);
    assertThatThrownBy(() -> trainer(tmp.resolve("ckpt")).build().train(train, validation, other))
        .hasMessageContaining("refusing to resume")
        .hasMessageContaining("setting student.learningRate: 0.05 -> 0.1");
  }
}
