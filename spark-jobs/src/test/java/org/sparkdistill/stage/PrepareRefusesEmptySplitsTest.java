package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.data.PrepareReport;
import org.sparkdistill.data.SplitRequirements;
import org.sparkdistill.testing.SharedSpark;

/** An empty or one-line file, or a class without training rows, is refused by prepare before publishing. */
class PrepareRefusesEmptySplitsTest {
  @TempDir Path dir;

  private DistillConfig config(Path data) {
    DistillConfig c = new DistillConfig();
    c.workDir = dir.resolve("work").toString();
    c.data.format = org.sparkdistill.config.DataFormat.JSONL;
    c.data.path = data.toString();
    c.data.labels = List.of("games", "net");
    c.data.split.labelledPerClass = 1;
    return c;
  }

  @Test
  void anEmptyFileIsRefusedAndNothingIsPublished() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
    PrepareStage prepare = new PrepareStage(new StageContext(SharedSpark.session(), config(empty), false));
    assertThatThrownBy(prepare::run).hasMessageContaining("empty.jsonl (data.format: jsonl) has no data rows");
    assertThat(prepare.output().manifest()).isEmpty();
  }

  @Test
  void aOneLineFileNamesTheEmptySplitsAndTheCounts() throws Exception {
    Path one = Files.writeString(dir.resolve("one.jsonl"), "{\"id\": \"a\", \"text\": \"a lonely game\", \"label\": \"games\"}\n");
    PrepareStage prepare = new PrepareStage(new StageContext(SharedSpark.session(), config(one), false));
    assertThatThrownBy(prepare::run)
        .hasMessageContaining("one.jsonl (data.format: jsonl)")
        .hasMessageMatching("(?s).*the [a-z ]+ splits? would be empty \\(rows per split: train \\d, validation \\d, transfer \\d, test \\d, from 1 rows, 1 kept\\).*")
        .hasMessageContaining("data.split.testFraction (0.2)");
    assertThat(prepare.output().manifest()).isEmpty();
  }

  @Test
  void aClassWithoutTrainingRowsIsNamedWithTheCounts() {
    Map<String, Long> splits = new LinkedHashMap<>(Map.of("train", 5L, "validation", 2L, "transfer", 10L, "test", 3L));
    Map<String, Long> perClass = new LinkedHashMap<>();
    perClass.put("games", 5L);
    perClass.put("net", 0L);
    PrepareReport report = new PrepareReport(20, 0, 0, 20, splits, perClass, 0, 0);
    DistillConfig.DataSettings data = config(dir.resolve("x.csv")).data;
    assertThatThrownBy(() -> SplitRequirements.require(report, data))
        .hasMessageContaining("class \"net\" of data.labels has no labelled training rows (labelled train rows per class: games 5, net 0)")
        .hasMessageContaining("add examples of it or remove it from data.labels");
  }
}
