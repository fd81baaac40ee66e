package org.sparkdistill.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.udfs.model.Pooling;

/** Each setting declared once: key, default, rule and documentation from the field. */
class SettingsTest {
  /** Walks DistillConfig independently of Settings: every public leaf field, by hand-built key. */
  private static void leaves(Class<?> type, String prefix, List<String> keys, List<String> unannotated) {
    for (Class<?> c = type; c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (!Modifier.isPublic(f.getModifiers()) || Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        String key = prefix + f.getName();
        if (f.getType().getEnclosingClass() == DistillConfig.class && !f.getType().isEnum()) {
          leaves(f.getType(), key + ".", keys, unannotated);
        } else {
          keys.add(key);
          if (f.getAnnotation(Setting.class) == null || f.getAnnotation(Setting.class).doc().isBlank()) {
            unannotated.add(key);
          }
        }
      }
    }
  }

  @Test
  void everyLeafFieldOfDistillConfigCarriesADocumentedSetting() {
    List<String> keys = new ArrayList<>();
    List<String> unannotated = new ArrayList<>();
    leaves(DistillConfig.class, "", keys, unannotated);
    assertThat(unannotated).as("fields of DistillConfig without @Setting(doc = ...): annotate them").isEmpty();
    assertThat(Settings.entries()).extracting(Settings.Entry::key).containsExactlyInAnyOrderElementsOf(keys);
    assertThat(keys).contains("encoder.maxLength", "data.split.seed", "data.columns.group", "teacher.seed", "student.seed", "spark.conf");
  }

  @Test
  void valuesAreReadByConfigPath() {
    DistillConfig c = new DistillConfig();
    c.encoder.maxLength = 77;
    c.data.split.labelSeed = 9L;
    assertThat(Settings.value(c, "encoder.maxLength")).isEqualTo(77);
    assertThat(Settings.value(c, "data.split.labelSeed")).isEqualTo(9L);
    assertThat(Settings.value(c, "encoder.pooling")).isEqualTo(Pooling.MEAN);
    assertThat(Settings.text(Settings.value(c, "encoder.pooling"))).isEqualTo("mean");
    assertThat(Settings.text(DataFormat.DEBIAN_JSONL)).isEqualTo("debian-jsonl");
    assertThatThrownBy(() -> Settings.value(c, "encoder.maxLenght")).hasMessageContaining("no setting is keyed 'encoder.maxLenght'");
  }

  @Test
  void stagePlansRecordSettingsUnderTheirConfigKeys() {
    DistillConfig c = new DistillConfig();
    c.teacher.kind = TeacherKind.TORCHSCRIPT;
    StagePlan plan = StagePlan.of("x").settings(c, "encoder.maxLength", "encoder.pooling", "teacher.kind", "score.mcPasses");
    assertThat(plan.settings())
        .containsEntry("encoder.maxLength", "128")
        .containsEntry("encoder.pooling", "mean")
        .containsEntry("teacher.kind", "torchscript")
        .containsEntry("score.mcPasses", "16")
        .hasSize(4);
  }

  @Test
  void teacherAndStudentShareTrainingSettingsWithTheirOwnDefaults() {
    DistillConfig c = new DistillConfig();
    assertThat(c.teacher).isInstanceOf(DistillConfig.TrainingSettings.class);
    assertThat(c.student).isInstanceOf(DistillConfig.TrainingSettings.class);
    assertThat(c.teacher.seed).isEqualTo(13);
    assertThat(c.student.seed).isEqualTo(5);
    assertThat(c.teacher.epochs).isEqualTo(200);
    assertThat(c.student.epochs).isEqualTo(40);
    // One declaration: the same field (and so the same rule and doc) under both keys.
    assertThat(Settings.entry("teacher.patience").orElseThrow().field())
        .isEqualTo(Settings.entry("student.patience").orElseThrow().field());
    // The deep copy keeps inherited fields.
    c.student.patience = 9;
    assertThat(c.copy().student.patience).isEqualTo(9);
    assertThat(c.copy().student.mode).isEqualTo(StudentMode.KD);
  }

  @Test
  void validateCollectsEveryViolationWithKeyRuleAndValue() {
    DistillConfig c = new DistillConfig();
    c.encoder.maxLength = 1;
    c.score.mcPasses = 0;
    c.teacher.dropout = 1.0;
    c.teacher.learningRate = Double.NaN;
    c.student.learningRate = 0;
    c.data.split.testFraction = 0;
    c.data.path = " ";
    c.curve.labelsPerClass = List.of(10, 0);
    List<Settings.Violation> v = Settings.validate(c);
    assertThat(v)
        .extracting(Settings.Violation::message)
        .containsExactlyInAnyOrder(
            "encoder.maxLength must be in [2, 8192], got: 1",
            "score.mcPasses must be >= 1, got: 0",
            "teacher.dropout must be in [0, 1), got: 1.0",
            "teacher.learningRate must be a finite number, got: NaN",
            "student.learningRate must be > 0, got: 0.0",
            "data.split.testFraction must be in (0, 1), got: 0.0",
            "data.path must not be blank, got: ' '",
            "curve.labelsPerClass must have every element be >= 1, got: [10, 0]");
    assertThat(v).filteredOn(x -> x.key().equals("score.mcPasses")).singleElement().satisfies(x -> {
      assertThat(x.rule()).isEqualTo("be >= 1");
      assertThat(x.value()).isEqualTo(0);
    });
    assertThat(Settings.validate(new DistillConfig())).isEmpty();
  }

  @Test
  void describeListsEveryKeyWithTypeDefaultAndDoc() {
    String text = Settings.describe();
    for (Settings.Entry e : Settings.entries()) {
      assertThat(text).contains(e.key() + "  (");
    }
    assertThat(text)
        .contains("encoder.maxLength  (int, in [2, 8192])  default: 128")
        .contains("teacher.kind  (head|torchscript|finetune)  default: head")
        .contains("teacher.seed  (long)  default: 13")
        .contains("student.seed  (long)  default: 5")
        .contains("data.format  (debian-jsonl|imdb-json|parquet|csv|tsv|jsonl)  default: debian-jsonl")
        .contains("data.split.labelSeed  (long)  default: null")
        .contains("T of plain KD");
  }

  @Test
  void enumsParseTheirConfigSpellingIgnoringCase() {
    assertThat(ConfigEnums.parse(DataFormat.class, "data.format", "Debian_JSONL")).isEqualTo(DataFormat.DEBIAN_JSONL);
    assertThat(StudentMode.parse("LABELS")).isEqualTo(StudentMode.LABELS);
    assertThat(StudentMode.LABELS.toString()).isEqualTo("labels");
    assertThatThrownBy(() -> StudentMode.parse("lelp")).hasMessage("student.mode must be one of [kd, labels], got: 'lelp'");
  }
}
