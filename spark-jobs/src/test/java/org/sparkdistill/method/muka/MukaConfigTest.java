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

  @Test
  void perTeacherKindsAndEncodersNameKnownTeachersKindsAndEncoders() throws Exception {
    assertThatThrownBy(() -> load("muka:\n  teacherKinds:\n    t3: finetune\n"))
        .hasMessageContaining("muka.teacherKinds names teacher 't3', which is not one of the run's teachers [t1, t2]");
    assertThatThrownBy(() -> load("muka:\n  teachers:\n    x: [a, b]\n    y: [c, d]\n  teacherEncoders:\n    t1: int8\n"))
        .hasMessageContaining("muka.teacherEncoders names teacher 't1', which is not one of the run's teachers [x, y]");
    assertThatThrownBy(() -> load("muka:\n  teacherKinds:\n    t1: frozen\n"))
        .hasMessageContaining("muka.teacherKinds.t1 must be one of [head, torchscript, finetune], got: 'frozen'");
    assertThatThrownBy(() -> load("muka:\n  teacherKinds:\n    t1: torchscript\n"))
        .hasMessageContaining("muka.teacherKinds.t1 must be one of [head, finetune]");
    assertThatThrownBy(() -> load("muka:\n  teacherEncoders:\n    t2: bge-large\n"))
        .hasMessageContaining("muka.teacherEncoders.t2 must be fp32, int8, a preset [bge-small-int8] or a model directory (dir[@cls|@mean])")
        .hasMessageContaining("got: 'bge-large'");
    assertThatThrownBy(() -> load("muka:\n  teacherEncoders:\n    t2: some/dir@max\n")).hasMessageContaining("the pooling after @ is cls or mean");
    assertThatThrownBy(() -> load("muka:\n  teacherKinds:\n    t1: finetune\n  teacherEncoders:\n    t1: bge-small-int8\n"))
        .hasMessageContaining("muka.teacherKinds.t1 is finetune, which imports the fp32 MiniLM weights of encoder.model: muka.teacherEncoders.t1 must be fp32 or absent, got: 'bge-small-int8'");
    assertThatThrownBy(() -> load("encoder:\n  pooling: cls\nmuka:\n  teacherKinds:\n    t1: finetune\n"))
        .hasMessageContaining("muka.teacherKinds.t1 is finetune: teacher.kind finetune pools with the attention-mask mean");
    // a mixed pair: the fine-tuned teacher keeps the run's encoder (it has no encode stage), the other the run's kind
    DistillConfig mixed = load("muka:\n  teacherKinds:\n    t1: finetune\n");
    List<MukaTeachers.Teacher> t = MukaTeachers.of(mixed);
    assertThat(t).extracting(MukaTeachers.Teacher::kind).containsExactly(org.sparkdistill.config.TeacherKind.FINETUNE, org.sparkdistill.config.TeacherKind.HEAD);
    assertThat(t.get(0).precision()).isEqualTo("fp32 finetune");
    assertThat(MukaTeachers.teacherConfig(mixed, t.get(0)).teacher.kind).isEqualTo(org.sparkdistill.config.TeacherKind.FINETUNE);
    assertThat(MukaTeachers.teacherConfig(mixed, t.get(1)).teacher.kind).isEqualTo(org.sparkdistill.config.TeacherKind.HEAD);
  }

  @Test
  void aPresetOrAModelDirectoryGivesATeacherItsOwnEncoderAndEncodeOutput() throws Exception {
    // a models directory laid out as the build lays out target/models
    Path models = dir.resolve("models");
    Files.createDirectories(models.resolve("all-minilm-l6-v2"));
    Path bge = Files.createDirectories(models.resolve("bge-small-en-v15-q"));
    Files.writeString(bge.resolve("bge-small-en-v1.5-q.onnx"), "x");
    Files.writeString(bge.resolve("bge-small-en-v1.5-q-tokenizer.json"), "{}");
    String encoder = "encoder:\n  model: " + models.resolve("all-minilm-l6-v2/all-minilm-l6-v2.onnx") + "\n";
    DistillConfig c = load(encoder + "muka:\n  teacherEncoders:\n    t2: bge-small-int8\n");
    MukaTeachers.Teacher t2 = MukaTeachers.of(c).get(1);
    assertThat(t2.precision()).isEqualTo("bge-small-int8");
    DistillConfig tc = MukaTeachers.teacherConfig(c, t2);
    assertThat(tc.encoder.precision).isEqualTo("int8");
    assertThat(tc.encoder.modelFile()).isEqualTo(bge.resolve("bge-small-en-v1.5-q.onnx").toString());
    assertThat(tc.encoder.tokenizer).isEqualTo(bge.resolve("bge-small-en-v1.5-q-tokenizer.json").toString());
    assertThat(tc.encoder.pooling).isEqualTo(org.sparkdistill.udfs.model.Pooling.CLS);
    assertThat(tc.encoder.normalize).isTrue();
    assertThat(tc.outputs.get("encode")).endsWith("encode-bge-small-int8");
    // t1 keeps the run's encoder and the shared encode output
    DistillConfig t1 = MukaTeachers.teacherConfig(c, MukaTeachers.of(c).get(0));
    assertThat(t1.outputs).doesNotContainKey("encode");
    assertThat(t1.encoder.pooling).isEqualTo(org.sparkdistill.udfs.model.Pooling.MEAN);
    // the same files named as a directory, with its pooling
    DistillConfig d = load(encoder + "muka:\n  teacherEncoders:\n    t2: " + bge + "@cls\n");
    DistillConfig dc = MukaTeachers.teacherConfig(d, MukaTeachers.of(d).get(1));
    assertThat(dc.encoder.precision).isEqualTo("fp32");
    assertThat(dc.encoder.model).isEqualTo(bge.resolve("bge-small-en-v1.5-q.onnx").toString());
    assertThat(dc.outputs.get("encode")).endsWith("encode-bge-small-en-v15-q-cls");
    // a preset whose files are missing, a directory without a model: one line each
    Files.delete(bge.resolve("bge-small-en-v1.5-q.onnx"));
    assertThatThrownBy(() -> MukaTeachers.of(c))
        .hasMessageContaining("muka.teacherEncoders.t2: the encoder preset bge-small-int8 needs " + bge.resolve("bge-small-en-v1.5-q.onnx"))
        .hasMessageContaining("mvn -DskipTests package");
    assertThatThrownBy(() -> MukaTeachers.of(d)).hasMessageContaining("must hold exactly one .onnx file and one *tokenizer.json, found [] and [bge-small-en-v1.5-q-tokenizer.json]");
  }
}
