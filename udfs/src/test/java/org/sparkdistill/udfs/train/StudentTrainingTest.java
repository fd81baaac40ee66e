package org.sparkdistill.udfs.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.sparkdistill.udfs.student.StudentConfig;
import org.sparkdistill.udfs.student.StudentModel;

/** The student, KdLoss and ResumableAdam together learn a tiny synthetic task. */
class StudentTrainingTest {

  @Test
  void learnsCatsVersusDogs() {
    CatDogTask train = new CatDogTask(2048, 1); // 256 rows let it memorise filler bigrams (test 0.93)
    CatDogTask test = new CatDogTask(200, 2);
    for (int hidden : new int[] {0, 16}) {
      StudentConfig config =
          new StudentConfig(CatDogTask.LABELS, 4096, 16, hidden, 0.1, 2, 64, 17L);
      try (StudentModel model = StudentModel.create(config, 5);
          ResumableAdam adam = new ResumableAdam(0.05, 0.9, 0.999, 1e-8, 0.0)) {
        double before = test.accuracy(model);
        long t0 = System.nanoTime();
        train.train(model, adam, new KdLoss(0.5, 2.0), 32, 0, 100);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double after = test.accuracy(model);
        System.out.printf(
            "hidden=%d: test accuracy %.3f -> %.3f after %d steps in %.2f s%n",
            hidden, before, after, adam.steps(), seconds);
        assertThat(after).isGreaterThan(0.95);
        assertThat(adam.steps()).isEqualTo(100);
      }
    }
  }
}
