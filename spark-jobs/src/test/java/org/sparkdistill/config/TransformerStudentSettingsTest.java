package org.sparkdistill.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code student.transformer.*} from YAML and the command line: the layer map's rules are checked with the rest of the config. */
class TransformerStudentSettingsTest {
  private static final Path LOCAL = org.sparkdistill.testing.TestConfigs.projectRoot().resolve("conf/local.yaml");

  @Test
  void theLayerMapIsReadAndItsDuplicatesAreRefusedAtLoad() {
    DistillConfig c = ConfigLoader.load(LOCAL, List.of("student.architecture=transformer", "student.transformer.layers=[1,4]", "student.transformer.maxLength=48"));
    assertThat(c.student.transformer.layers).containsExactly(1, 4);
    assertThat(c.student.transformer.maxLength).isEqualTo(48);
    assertThat(ConfigLoader.load(LOCAL, List.of()).student.transformer.layers).containsExactly(0, 3, 5);
    assertThatThrownBy(() -> ConfigLoader.load(LOCAL, List.of("student.architecture=transformer", "student.transformer.layers=[0,2,2]")))
        .hasMessageContaining("student.transformer.layers names teacher layer 2 twice in [0, 2, 2]");
    assertThatThrownBy(() -> ConfigLoader.load(LOCAL, List.of("student.transformer.layers=[-1]"))).hasMessageContaining("student.transformer.layers");
  }
}
