package org.sparkdistill.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.TaskResourceProfile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.SharedSpark;

/** The teacher stages' task-only resource profile: construction, rules, and where it applies. */
class TeacherResourcesTest {
  private static DistillConfig.ResourceSettings settings(double gpus, int cpus) {
    DistillConfig.ResourceSettings r = new DistillConfig.ResourceSettings();
    r.teacherTaskGpus = gpus;
    r.teacherTaskCpus = cpus;
    return r;
  }

  @Test
  void nothingConfiguredMeansNoProfile() {
    assertThat(TeacherResources.profile(settings(0, 0))).isEmpty();
  }

  @Test
  void aQuarterGpuAndTwoCoresIsATaskOnlyProfile() {
    ResourceProfile p = TeacherResources.profile(settings(0.25, 2)).orElseThrow();
    assertThat(p).isInstanceOf(TaskResourceProfile.class);
    assertThat(p.executorResourcesJMap()).isEmpty();
    assertThat(p.taskResourcesJMap().get("gpu").amount()).isEqualTo(0.25);
    assertThat(p.taskResourcesJMap().get("cpus").amount()).isEqualTo(2.0);
  }

  @Test
  void oneGpuWithoutCoresKeepsSparkTaskCpus() {
    ResourceProfile p = TeacherResources.profile(settings(1, 0)).orElseThrow();
    assertThat(p.taskResourcesJMap()).containsOnlyKeys("gpu");
    assertThat(p.taskResourcesJMap().get("gpu").amount()).isEqualTo(1.0);
  }

  @Test
  void amountsSparkWouldRefuseAreNamed() {
    assertThatThrownBy(() -> TeacherResources.validate(settings(0.3, 0)))
        .hasMessageContaining("resources.teacherTaskGpus must be 0, a whole number, or 1/n")
        .hasMessageContaining("got: 0.3");
    assertThatThrownBy(() -> TeacherResources.validate(settings(1.5, 0))).hasMessageContaining("got: 1.5");
    assertThatThrownBy(() -> TeacherResources.validate(settings(-1, 0))).hasMessageContaining("got: -1");
    assertThatThrownBy(() -> TeacherResources.validate(settings(0, -2))).hasMessageContaining("resources.teacherTaskCpus must be >= 0");
  }

  @Test
  void onlyClusterMastersGetTheProfile() {
    assertThat(TeacherResources.supportsTaskProfiles("local[2]")).isFalse();
    assertThat(TeacherResources.supportsTaskProfiles("local-cluster[2,1,1024]")).isTrue();
    assertThat(TeacherResources.supportsTaskProfiles("spark://127.0.0.1:7077")).isTrue();
    assertThat(TeacherResources.supportsTaskProfiles("yarn")).isTrue();
    assertThat(TeacherResources.supportsTaskProfiles("k8s://https://api:6443")).isTrue();
  }

  @Test
  void inLocalModeThePartitionsRunUnchanged() {
    StructType schema = new StructType().add("x", DataTypes.IntegerType);
    Dataset<Row> in = SharedSpark.session().range(5).selectExpr("cast(id as int) as x");
    Dataset<Row> out =
        TeacherResources.mapPartitions(
            in, rows -> rows, schema, settings(1, 0), "encode");
    assertThat(out.collectAsList()).hasSize(5);
  }
}
