package org.sparkdistill.curve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.ReportStage;
import org.sparkdistill.stage.ScoreStage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.TrainTeacherStage;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;

/**
 * {@code curve.teacherKinds: [head, finetune]} on a Debian slice: each cell trains a frozen and a
 * fine-tuned teacher on the same prepared split, a KD student from each, and one labels-only
 * student; a rerun recomputes nothing.
 */
class TeacherKindsCurveTest {
  @TempDir Path work;

  @Test
  void bothKindsOfTeacherShareOneSplitAndEachGetsAKdStudent() throws Exception {
    SparkSession spark = SharedSpark.session();
    DistillConfig c = TestConfigs.debianSlice(work, 240);
    c.encoder.maxLength = 16;
    c.teacher.finetune.epochs = 1;
    c.teacher.finetune.batchSize = 16;
    c.teacher.finetune.mcLayers = 0;
    c.score.mcPasses = 1;
    c.student.epochs = 1;
    c.sweep.enabled = false;
    c.baseline.enabled = false;
    // the frozen cell is the main run (its budget and seeds), so the run report can be written too
    c.data.split.labelledPerClass = 3;
    c.data.split.labelSeed = 3L;
    c.teacher.seed = 3;
    c.student.seed = 3;
    c.curve.labelsPerClass = new ArrayList<>(List.of(3));
    c.curve.seeds = new ArrayList<>(List.of(3L));
    c.curve.teacherKinds = new ArrayList<>(List.of(TeacherKind.HEAD, TeacherKind.FINETUNE));

    LearningCurve curve = new LearningCurve(spark, c, false);
    List<LearningCurve.Cell> cells = curve.run();

    assertThat(cells).extracting(LearningCurve.Cell::teacherKind).containsExactly("head", "finetune");
    assertThat(cells).allSatisfy(cell -> assertThat(cell.labelsPerClass()).isEqualTo(3)).allSatisfy(cell -> assertThat(cell.seed()).isEqualTo(3));
    // one labels-only student per cell, beside both teachers
    assertThat(cells.get(1).labelsOnly()).isEqualTo(cells.get(0).labelsOnly());
    assertThat(cells.get(1).tfidfKd()).isNaN();

    DistillConfig head = curve.cellConfig(3, 3, TeacherKind.HEAD);
    DistillConfig finetune = curve.cellConfig(3, 3, TeacherKind.FINETUNE);
    // the frozen cell is the main run itself; the fine-tuned one gets its own cell directory
    assertThat(head.workDir).isEqualTo(c.workDir);
    assertThat(finetune.workDir).isEqualTo(Path.of(c.workDir, "curve", "n3-s3-finetune").toString());
    StageContext headContext = new StageContext(spark, head, false);
    StageContext fineContext = new StageContext(spark, finetune, false);
    // the fine-tuned cell reads the frozen cell's split and writes no split of its own
    Manifest split = new PrepareStage(headContext).output().manifest().orElseThrow();
    assertThat(new PrepareStage(fineContext).output().dir()).isEqualTo(new PrepareStage(headContext).output().dir());
    assertThat(Files.exists(Path.of(finetune.workDir, "prepare"))).isFalse();
    Manifest fineTeacher = new TrainTeacherStage(fineContext).output().manifest().orElseThrow();
    assertThat(fineTeacher.settings()).containsEntry("teacher.kind", "finetune");
    assertThat(fineTeacher.inputs()).containsValue(split.fingerprint());
    assertThat(new TrainTeacherStage(headContext).output().manifest().orElseThrow().settings()).doesNotContainEntry("teacher.kind", "finetune");
    // each cell's teacher accuracy is its own score cache's (computed by score, read back by evaluate)
    assertThat(cells.get(0).teacher()).isEqualTo(testAccuracy(new ScoreStage(headContext).output().manifest().orElseThrow()));
    assertThat(cells.get(1).teacher()).isEqualTo(testAccuracy(new ScoreStage(fineContext).output().manifest().orElseThrow()));

    String table = LearningCurve.table(cells);
    assertThat(table).startsWith("| teacher kind | labels/class |")
        .contains(String.format(java.util.Locale.ROOT, "| finetune | 3 | 1 | %.3f (n=1) | %.3f (n=1) | %.3f (n=1) | %.3f |",
            cells.get(1).teacher(), cells.get(1).labelsOnly(), cells.get(1).kd(), cells.get(1).kd() / cells.get(1).teacher()));
    // 20 sections: chance is 0.05
    assertThat(cells).allSatisfy(cell -> assertThat(cell.teacher()).isGreaterThan(0.1));
    assertThat(LearningCurve.verdict(cells, 3)).hasSize(4).anyMatch(line -> line.startsWith("at 3 labels/class, teacher finetune: KD student keeps"));

    // a rerun finds every output finished and gives the same cells
    assertThat(new LearningCurve(spark, c, false).run()).isEqualTo(cells);

    // the run report's learning curve shows both kinds, with the fine-tuned cell's own numbers
    ReportStage report = new ReportStage(new StageContext(spark, c, false));
    report.run();
    String page = Files.readString(Path.of(report.page().toUri().getPath()));
    assertThat(page).contains("teacher kind").contains("finetune")
        .contains(String.format(java.util.Locale.ROOT, "%.4f", cells.get(1).teacher()))
        .contains(String.format(java.util.Locale.ROOT, "%.4f", cells.get(1).kd()));
  }

  private static double testAccuracy(Manifest score) {
    Map<String, Object> metrics = score.metrics();
    return ((Number) metrics.get("testAccuracy")).doubleValue();
  }

  @Test
  void comparingTeacherKindsNeedsTheSweepOff() {
    Path local = TestConfigs.projectRoot().resolve("conf/local.yaml");
    assertThatThrownBy(() -> ConfigLoader.load(local, List.of("curve.teacherKinds=[head,finetune]")))
        .hasMessageContaining("curve.teacherKinds [head, finetune] needs sweep.enabled: false");
    assertThatThrownBy(() -> ConfigLoader.load(local, List.of("curve.teacherKinds=[head,head]", "sweep.enabled=false")))
        .hasMessageContaining("curve.teacherKinds must list distinct teacher kinds");
    DistillConfig ok = ConfigLoader.load(local, List.of("curve.teacherKinds=[head,finetune]", "sweep.enabled=false"));
    assertThat(ok.curve.teacherKinds).containsExactly(TeacherKind.HEAD, TeacherKind.FINETUNE);
  }
}
