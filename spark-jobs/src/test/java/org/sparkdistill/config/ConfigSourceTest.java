package org.sparkdistill.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config travels with the job: a Hadoop URI, or a file shipped with --files. */
class ConfigSourceTest {
  @TempDir Path tmp;

  @Test
  void aConfigIsReadThroughHadoopFromAUri() throws Exception {
    Path file = Files.writeString(tmp.resolve("yarn.yaml"), "workDir: hdfs:///distill/run1\ndata:\n  labels: [a, b]\nencoder:\n  maxLength: 64\n");
    String uri = file.toUri().toString();
    assertThat(uri).startsWith("file:/");
    DistillConfig c = ConfigLoader.load(uri, List.of("encoder.batchSize=8"));
    assertThat(c.workDir).isEqualTo("hdfs:///distill/run1");
    assertThat(c.encoder.maxLength).isEqualTo(64);
    assertThat(c.encoder.batchSize).isEqualTo(8);
  }

  @Test
  void aPlainNameIsALocalFileAsShippedWithFiles() throws Exception {
    Path file = Files.writeString(tmp.resolve("k8s.yaml"), "data:\n  labels: [a, b]\nencoder:\n  maxLength: 32\n");
    assertThat(ConfigSource.isUri(file.toString())).isFalse();
    assertThat(ConfigSource.isUri("k8s.yaml")).isFalse();
    assertThat(ConfigSource.isUri("s3a://bucket/conf/k8s.yaml")).isTrue();
    assertThat(ConfigSource.isUri("hdfs:///conf/yarn.yaml")).isTrue();
    assertThat(ConfigLoader.load(file.toString(), List.of()).encoder.maxLength).isEqualTo(32);
  }

  @Test
  void aMissingConfigNamesBothWaysToShipIt() {
    String uri = tmp.resolve("absent.yaml").toUri().toString();
    assertThatThrownBy(() -> ConfigLoader.load(uri, List.of()))
        .hasMessageContaining("config file does not exist: " + uri)
        .hasMessageContaining("--files")
        .hasMessageContaining("hdfs:///");
    assertThatThrownBy(() -> ConfigLoader.load("conf/absent.yaml", List.of()))
        .hasMessageContaining("config file does not exist: conf/absent.yaml")
        .hasMessageContaining("--files");
  }

  @Test
  void errorsInAUriConfigNameTheUri() throws Exception {
    String uri = Files.writeString(tmp.resolve("bad.yaml"), "encoder:\n  maxLenght: 64\n").toUri().toString();
    assertThatThrownBy(() -> ConfigLoader.load(uri, List.of())).hasMessageContaining("unknown config key 'maxLenght'").hasMessageContaining(uri);
  }

  @Test
  void sparkHadoopPropertiesReachTheHadoopConfiguration() {
    Properties p = new Properties();
    p.setProperty("spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:9000");
    p.setProperty("spark.executor.memory", "4g");
    var conf = ConfigSource.hadoopConfiguration(p);
    assertThat(conf.get("fs.s3a.endpoint")).isEqualTo("http://127.0.0.1:9000");
    assertThat(conf.get("spark.executor.memory")).isNull();
  }
}
