package org.sparkdistill.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.schema.Columns;

/** {@code data.labelGroups}: the rules, and the prepared labels of a grouped Debian slice. */
class LabelGroupsTest {
  @TempDir Path work;

  @Test
  void rulesNameTheBadGroup() {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    groups.put("a", List.of("x", "y"));
    groups.put("b", List.of("y"));
    assertThat(LabelGroups.problems(List.of("a", "b"), groups)).containsExactly("data.labelGroups: raw label y is in both a and b; put it in one group");
    assertThat(LabelGroups.problems(List.of("a", "c"), groups)).first().asString().contains("one entry per class of data.labels [a, c], got groups for [a, b]");
    groups.put("b", List.of());
    assertThat(LabelGroups.problems(List.of("a", "b"), groups)).containsExactly("data.labelGroups.b must list at least one raw label, got: []");
  }

  @Test
  void preparedRowsCarryTheGroupNames() {
    DistillConfig c = TestConfigs.debianSlice(work, 300);
    Map<String, List<String>> groups = new LinkedHashMap<>();
    groups.put("networking", List.of("net", "web", "mail", "httpd", "comm"));
    groups.put("rest", List.of("science", "admin", "games", "text", "sound", "graphics", "fonts", "math", "editors", "database", "video",
        "electronics", "tex", "hamradio", "vcs"));
    c.data.labels = List.of("networking", "rest");
    c.data.labelGroups = groups;
    List<Row> labels = new ExamplePreparer(SharedSpark.session(), c.data).prepare().examples()
        .filter(org.apache.spark.sql.functions.col(Columns.LABEL).isNotNull()).select(Columns.LABEL).distinct().collectAsList();
    assertThat(labels).extracting(r -> r.getString(0)).containsExactlyInAnyOrder("networking", "rest");
  }
}
