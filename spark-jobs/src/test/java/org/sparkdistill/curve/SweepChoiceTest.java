package org.sparkdistill.curve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkdistill.config.DistillConfig;

/** A cell's sweep choices survive the manifest's JSON and become the cell's settings and outputs. */
class SweepChoiceTest {
  private static Sweep.CellChoice choice() {
    Map<String, Sweep.ModeChoice> modes = new LinkedHashMap<>();
    modes.put("kd", new Sweep.ModeChoice(0.03, 0.5, 0.71, Map.of("lr=0.01 dropout=0.5", 0.70, "lr=0.03 dropout=0.5", 0.71)));
    modes.put("labels", new Sweep.ModeChoice(0.01, 0.2, 0.62, Map.of("lr=0.01 dropout=0.2", 0.62)));
    return new Sweep.CellChoice(25, 2, 0.003, 0.68, Map.of("0.003", 0.68, "0.01", 0.67), modes);
  }

  @Test
  void choicesRoundTripThroughJson() throws Exception {
    ObjectMapper json = new ObjectMapper();
    Map<String, Object> metrics = Map.of("cells", List.of(choice().toMap()));
    Map<String, Object> read = json.readValue(json.writeValueAsString(metrics), new TypeReference<Map<String, Object>>() {});
    List<Sweep.CellChoice> choices = SweepStage.choices(read);
    assertThat(choices).hasSize(1);
    Sweep.CellChoice c = choices.get(0);
    assertThat(c.labelsPerClass()).isEqualTo(25);
    assertThat(c.seed()).isEqualTo(2);
    assertThat(c.teacherLearningRate()).isEqualTo(0.003);
    assertThat(c.modes().get("kd").learningRate()).isEqualTo(0.03);
    assertThat(c.modes().get("labels").dropout()).isEqualTo(0.2);
    assertThat(SweepStage.table(read)).contains("| 25 | 2 | 0.003 (0.6800) | 0.03, 0.5 (0.7100) | 0.01, 0.2 (0.6200) |");
  }

  @Test
  void applySetsTheChosenSettingsAndPointsAtTheChosenOutputs() {
    DistillConfig cell = new DistillConfig();
    cell.workDir = "/w/curve/n25-s2";
    DistillConfig kd = choice().apply(cell, "kd");
    assertThat(kd.student.mode).isEqualTo(org.sparkdistill.config.StudentMode.KD);
    assertThat(kd.student.learningRate).isEqualTo(0.03);
    assertThat(kd.student.dropout).isEqualTo(0.5);
    assertThat(kd.teacher.learningRate).isEqualTo(0.003);
    assertThat(kd.outputs).containsEntry("train-teacher", "/w/curve/n25-s2/sweep/teacher-lr0.003")
        .containsEntry("student-kd", "/w/curve/n25-s2/sweep/student-kd-lr0.03-d0.5");
    DistillConfig labels = choice().apply(cell, "labels");
    assertThat(labels.outputs).containsEntry("student-labels", "/w/curve/n25-s2/sweep/student-labels-lr0.01-d0.2");
    assertThat(cell.outputs).isEmpty(); // the cell's own config is not changed
  }
}
