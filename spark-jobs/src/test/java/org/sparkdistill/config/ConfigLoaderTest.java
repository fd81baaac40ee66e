package org.sparkdistill.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.Pooling;

/** The messages of {@link ConfigLoader}: each names its source, key, expectation and value. */
class ConfigLoaderTest {
  @TempDir Path tmp;

  private static final Path LOCAL = TestConfigs.projectRoot().resolve("conf/local.yaml");

  private static DistillConfig local(String... overrides) {
    return ConfigLoader.load(LOCAL, List.of(overrides));
  }

  @Test
  void setTypeErrorsSayKeyExpectedTypeAndValue() {
    assertThatThrownBy(() -> local("encoder.maxLength=abc"))
        .hasMessage("--set encoder.maxLength=abc: expected an integer, got 'abc'");
    assertThatThrownBy(() -> local("encoder.maxLength=1.5"))
        .hasMessage("--set encoder.maxLength=1.5: expected an integer, got '1.5'");
    assertThatThrownBy(() -> local("teacher.learningRate=fast"))
        .hasMessage("--set teacher.learningRate=fast: expected a number, got 'fast'");
    assertThatThrownBy(() -> local("encoder.truncation=maybe"))
        .hasMessage("--set encoder.truncation=maybe: expected true or false, got 'maybe'");
    assertThatThrownBy(() -> local("student.epochs="))
        .hasMessageStartingWith("--set student.epochs=: expected an integer, got ");
    assertThatThrownBy(() -> local("curve.seeds=1,x"))
        .hasMessage("--set curve.seeds=1,x: expected a list (YAML [a, b] or comma-separated a,b) of integers, got 'x'");
  }

  @Test
  void badEnumValuesListTheValidOnes() {
    assertThatThrownBy(() -> local("teacher.kind=onnx"))
        .hasMessage("--set teacher.kind=onnx: expected one of [head, torchscript, finetune], got 'onnx'");
    assertThatThrownBy(() -> local("student.mode=lelp"))
        .hasMessage("--set student.mode=lelp: expected one of [kd, labels], got 'lelp'");
    assertThatThrownBy(() -> local("encoder.pooling=max"))
        .hasMessage("--set encoder.pooling=max: expected one of [mean, cls], got 'max'");
    assertThatThrownBy(() -> local("encoder.device=tpu"))
        .hasMessage("--set encoder.device=tpu: expected one of [auto, cpu, gpu], got 'tpu'");
    assertThatThrownBy(() -> local("data.format=xml"))
        .hasMessage("--set data.format=xml: expected one of [debian-jsonl, imdb-json, parquet, csv, tsv, jsonl], got 'xml'");
  }

  @Test
  void enumsBindIgnoringCase() {
    DistillConfig c = local("teacher.kind=TorchScript", "teacher.torchscript=t.pt", "student.mode=LABELS", "encoder.pooling=CLS", "encoder.device=Cpu", "data.format=PARQUET");
    assertThat(c.teacher.kind).isEqualTo(TeacherKind.TORCHSCRIPT);
    assertThat(c.student.mode).isEqualTo(StudentMode.LABELS);
    assertThat(c.encoder.pooling).isEqualTo(Pooling.CLS);
    assertThat(c.encoder.device).isEqualTo(DeviceSelector.Preference.CPU);
    assertThat(c.data.format).isEqualTo(DataFormat.PARQUET);
  }

  @Test
  void fileTypeErrorsNameTheFileAndKey() throws Exception {
    Path conf = Files.writeString(tmp.resolve("c.yaml"), "data:\n  labels: [a, b]\nteacher:\n  kind: onnx\n");
    assertThatThrownBy(() -> ConfigLoader.load(conf, List.of()))
        .hasMessage("config file " + conf + ", key teacher.kind: expected one of [head, torchscript, finetune], got 'onnx'");
    Path ints = Files.writeString(tmp.resolve("i.yaml"), "data:\n  labels: [a, b]\nscore:\n  mcPasses: 2.5\n");
    assertThatThrownBy(() -> ConfigLoader.load(ints, List.of()))
        .hasMessageContaining("config file " + ints + ", key score.mcPasses: expected an integer, got ");
  }

  @Test
  void emptyValuesInAFileAreErrorsNotZeros() throws Exception {
    Path conf = Files.writeString(tmp.resolve("e.yaml"), "data:\n  labels: [a, b]\n  split:\nencoder:\n  maxLength:\n");
    assertThatThrownBy(() -> ConfigLoader.load(conf, List.of()))
        .hasMessageContaining("config file " + conf + ", key encoder.maxLength: expected an integer, got null (an empty value)");
    Path group = Files.writeString(tmp.resolve("g.yaml"), "data:\n  labels: [a, b]\n  split:\n");
    assertThatThrownBy(() -> ConfigLoader.load(group, List.of()))
        .hasMessageContaining("data.split.seed must be set, got: null")
        .hasMessageContaining("data.split.testFraction must be set, got: null");
  }

  @Test
  void unknownKeysAreBlamedOnTheirSource() throws Exception {
    assertThatThrownBy(() -> local("encoder.maxLenght=64"))
        .hasMessageStartingWith("--set encoder.maxLenght=64: unknown config key 'maxLenght' under encoder (valid keys under encoder: ")
        .hasMessageContaining("maxLength");
    assertThatThrownBy(() -> local("nosuch.key=1"))
        .hasMessageStartingWith("--set nosuch.key=1: unknown config key 'nosuch' (valid keys at the top level: ");
    Path conf = Files.writeString(tmp.resolve("c.yaml"), "data:\n  labels: [a, b]\nencoder:\n  maxLenght: 64\n");
    // The file's typo is the file's, even when --set touches the same group.
    assertThatThrownBy(() -> ConfigLoader.load(conf, List.of("encoder.batchSize=8")))
        .hasMessageStartingWith("unknown config key 'maxLenght' under encoder at encoder.maxLenght in config file " + conf);
  }

  @Test
  void withoutAConfigFileTheMissingLabelsErrorSaysDefaultsWereUsed() {
    assertThatThrownBy(() -> ConfigLoader.load((java.nio.file.Path) null, List.of()))
        .hasMessageContaining(
            "data.labels must list the label set in class order (no --config given: built-in defaults were used; pass --config conf/local.yaml)");
    assertThat(ConfigLoader.load((java.nio.file.Path) null, List.of("data.labels=a,b")).data.labels).containsExactly("a", "b");
  }

  @Test
  void aKnowledgeGraphConfigNeedsNoLabelSetButAConfigWithoutEitherDoes() throws Exception {
    Path graph = Files.writeString(tmp.resolve("kg.yaml"), "kg:\n  sampleEntities: 100\npmd:\n  maxLength: 16\n");
    assertThat(ConfigLoader.load(graph, List.of()).kg.sampleEntities).isEqualTo(100);
    // a data section, even without labels, describes text data: its label set is required
    Path both = Files.writeString(tmp.resolve("both.yaml"), "kg:\n  sampleEntities: 100\ndata:\n  maxRows: 10\n");
    assertThatThrownBy(() -> ConfigLoader.load(both, List.of())).hasMessageContaining("data.labels must list the label set in class order");
    Path neither = Files.writeString(tmp.resolve("neither.yaml"), "pmd:\n  maxLength: 16\n");
    assertThatThrownBy(() -> ConfigLoader.load(neither, List.of())).hasMessageContaining("data.labels must list the label set in class order");
  }

  @Test
  void everyListTakesYamlOrCommaSeparatedValues() {
    assertThat(local("data.labels=[a, b]").data.labels).containsExactly("a", "b");
    assertThat(local("data.labels=a,b").data.labels).containsExactly("a", "b");
    assertThat(local("curve.seeds=1,2").curve.seeds).containsExactly(1L, 2L);
    assertThat(local("curve.seeds=[1,2]").curve.seeds).containsExactly(1L, 2L);
    assertThat(local("curve.labelsPerClass=5").curve.labelsPerClass).containsExactly(5);
    assertThatThrownBy(() -> local("data.labels=[a, b"))
        .hasMessageStartingWith("--set data.labels=[a, b: the value is not a YAML list");
  }

  @Test
  void everyViolationIsListedAndCrossFieldRulesStayExplicit() {
    List<String> bad = new ArrayList<>(List.of("score.mcPasses=0", "data.split.testFraction=0.6", "data.split.validationFraction=0.5", "teacher.kind=torchscript", "data.labels=a,a"));
    assertThatThrownBy(() -> ConfigLoader.load(LOCAL, bad))
        .hasMessageContaining("score.mcPasses must be >= 1, got: 0")
        .hasMessageContaining("data.split.testFraction + data.split.validationFraction must be < 1 (the rest is the pool), got: 0.6 + 0.5")
        .hasMessageContaining("teacher.torchscript must name the TorchScript file when teacher.kind is torchscript")
        .hasMessageContaining("data.labels must not repeat a label, got: [a, a]");
  }

  /** The lelp command's grid lists need a value each (the search starts from the first); an empty one is named, not a crash mid-run. */
  @Test
  void emptyLelpGridListsAreRefused() {
    assertThatThrownBy(() -> local("lelp.whiten=[]", "lelp.alphas=[]"))
        .hasMessageContaining("lelp.whiten must list at least one value (the comparison's grid), got: []")
        .hasMessageContaining("lelp.alphas must list at least one value (the comparison's grid), got: []");
    assertThatThrownBy(() -> local("lelp.calibrate=[]")).hasMessageContaining("lelp.calibrate must list at least one value");
    assertThat(local("lelp.whiten=[false]").lelp.whiten).containsExactly(false);
    assertThatThrownBy(() -> local("lelp.selection=best")).hasMessageContaining("lelp.selection must be mean or first-seed, got: best");
    assertThat(local("lelp.selection=first-seed").lelp.selection).isEqualTo("first-seed");
  }
}
