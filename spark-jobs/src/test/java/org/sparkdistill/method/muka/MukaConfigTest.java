package org.sparkdistill.method.muka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;

/** The muka.* and teacher.labels rules, through the config loader (one-line errors before any stage). */
class MukaConfigTest {
  @TempDir Path dir;

  private DistillConfig load(String muka) throws Exception {
    Path file = dir.resolve("c.yaml");
    Files.writeString(file, "data:\n  labels: [a, b, c, d]\n" + muka);
    return ConfigLoader.load(file, List.of());
  }

  @Test
  void aLabelSubsetAgainstTheUnionOrderIsRefusedWithTheFix() {
    assertThatThrownBy(() -> load("muka:\n  teachers:\n    x: [b, a]\n    y: [c, d]\n"))
        .hasMessageContaining("muka.teachers.x must follow the order of data.labels (the union label map), got 'a' after 'b' in [b, a]: reorder it as [a, b]");
    assertThatThrownBy(() -> load("teacher:\n  labels: [d, c]\n")).hasMessageContaining("teacher.labels must follow the order of data.labels");
  }

  @Test
  void unknownLabelsOneTeacherAndUncoveredLabelsAreRefused() {
    assertThatThrownBy(() -> load("muka:\n  teachers:\n    x: [a, z]\n    y: [c, d]\n")).hasMessageContaining("muka.teachers.x must list labels of data.labels [a, b, c, d], got 'z'");
    assertThatThrownBy(() -> load("muka:\n  teachers:\n    x: [a, b, c, d]\n")).hasMessageContaining("two or more teachers");
    assertThatThrownBy(() -> load("muka:\n  teachers:\n    x: [a]\n    y: [c, d]\n")).hasMessageContaining("labels no teacher knows: [b]");
    assertThatThrownBy(() -> load("muka:\n  selection: medium\n")).hasMessageContaining("muka.selection must be one of [soft, hard], got: medium");
    assertThatThrownBy(() -> load("muka:\n  students: [muka, kd]\n")).hasMessageContaining("muka.students must list one or more of [muka, muka-hard, no-mc, concat-kd, uhc, upper], got: [muka, kd]");
  }

  @Test
  void defaultTeachersSplitTheLabelsIntoContiguousBlocksAndOverlapsAreAllowed() throws Exception {
    List<MukaTeachers.Teacher> two = MukaTeachers.of(load(""));
    assertThat(two).extracting(MukaTeachers.Teacher::labels).containsExactly(List.of("a", "b"), List.of("c", "d"));
    assertThat(two.get(1).block()).containsExactly(2, 3);
    DistillConfig overlap = load("muka:\n  teachers:\n    x: [a, b, c]\n    y: [b, c, d]\n  teacherEncoders:\n    y: int8\n");
    List<MukaTeachers.Teacher> t = MukaTeachers.of(overlap);
    assertThat(t.get(1).block()).containsExactly(1, 2, 3);
    assertThat(t.get(1).precision()).isEqualTo("int8");
    DistillConfig ty = MukaTeachers.teacherConfig(overlap, t.get(1));
    assertThat(ty.teacher.labels).containsExactly("b", "c", "d");
    assertThat(ty.outputs.get("encode")).endsWith("encode-int8");
    assertThat(ty.outputs.get("score")).endsWith("score-y");
  }
}
