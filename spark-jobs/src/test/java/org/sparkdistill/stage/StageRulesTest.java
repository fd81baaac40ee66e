package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.schema.CacheSchemas;

/** The rules every stage shares: skip, refuse with the difference, overwrite atomically, no leftovers. */
class StageRulesTest {
  @TempDir Path work;
  private SparkSession spark;

  /** A stage writing {@code rows} example rows, with {@code setting} in its plan. */
  private final class FakeStage extends Stage {
    private final String setting;
    private final int rows;
    private final boolean fail;

    FakeStage(boolean overwrite, String setting, int rows, boolean fail) {
      super(new StageContext(spark, config(), overwrite));
      this.setting = setting;
      this.rows = rows;
      this.fail = fail;
    }

    @Override
    public String name() {
      return "fake";
    }

    @Override
    protected String description() {
      return "fake stage";
    }

    @Override
    public StagePlan plan() {
      return StagePlan.of("fake").input("raw", "abc").setting("knob", setting).labels(List.of("a", "b"));
    }

    @Override
    protected StageWrite write(org.apache.hadoop.fs.Path runDir, StagePlan plan) {
      List<Row> data = new java.util.ArrayList<>();
      for (int i = 0; i < rows; i++) {
        data.add(RowFactory.create("id-" + i, "train", i % 2 == 0 ? "a" : "b", "text " + i));
      }
      Dataset<Row> df = spark.createDataFrame(data, CacheSchemas.examples()).repartition(3);
      df.write().mode(SaveMode.ErrorIfExists).parquet(runDir.toString());
      if (fail) {
        throw new IllegalStateException("boom after writing");
      }
      return countWritten(runDir, false);
    }
  }

  private DistillConfig config() {
    DistillConfig c = new DistillConfig();
    c.workDir = work.toString();
    return c;
  }

  @BeforeEach
  void session() {
    spark = SharedSpark.session();
  }

  @Test
  void writesManifestLastWithCountsFromTheData() {
    StageResult result = new FakeStage(false, "x", 10, false).run();
    Manifest m = result.manifest();
    assertThat(result.skipped()).isFalse();
    assertThat(m.rowCount()).isEqualTo(10);
    assertThat(m.splitCounts()).isEqualTo(Map.of("train", 10L));
    assertThat(m.files()).isNotEmpty().allMatch(f -> f.startsWith("run-") && f.endsWith(".parquet"));
    assertThat(m.settings()).containsEntry("knob", "x");
    assertThat(m.labels()).containsExactly("a", "b");
    assertThat(Files.exists(work.resolve("fake").resolve(Manifest.RECORD_PREFIX + ".00000001.json"))).isTrue();
    Dataset<Row> read = new FakeStage(false, "x", 0, false).output().read(spark, m, CacheSchemas.examples());
    assertThat(read.count()).isEqualTo(10);
  }

  @Test
  void sameInputsAndSettingsSkip() {
    Manifest first = new FakeStage(false, "x", 5, false).run().manifest();
    StageResult second = new FakeStage(false, "x", 7, false).run();
    assertThat(second.skipped()).isTrue();
    assertThat(second.manifest().runId()).isEqualTo(first.runId());
    assertThat(second.manifest().rowCount()).isEqualTo(5);
  }

  @Test
  void changedSettingsAreRefusedNamingTheChange() {
    new FakeStage(false, "x", 5, false).run();
    assertThatThrownBy(() -> new FakeStage(false, "y", 5, false).run())
        .isInstanceOf(OutputConflictException.class)
        .hasMessageContaining("setting knob: x -> y")
        .hasMessageContaining("--overwrite");
    assertThat(new FakeStage(false, "x", 0, false).output().manifest().orElseThrow().settings()).containsEntry("knob", "x");
  }

  @Test
  void overwriteReplacesTheOutputAndRemovesTheOldRunAtTheNextPublication() throws Exception {
    Manifest first = new FakeStage(false, "x", 5, false).run().manifest();
    Manifest second = new FakeStage(true, "y", 8, false).run().manifest();
    assertThat(second.runId()).isNotEqualTo(first.runId());
    assertThat(second.rowCount()).isEqualTo(8);
    assertThat(new FakeStage(false, "y", 0, false).output().manifest().orElseThrow().runId()).isEqualTo(second.runId());
    // The previous run stays for readers that opened its manifest before the swap ...
    assertThat(runDirs()).containsExactlyInAnyOrder("run-" + first.runId(), "run-" + second.runId());
    // ... until the output is published again.
    Manifest third = new FakeStage(true, "z", 2, false).run().manifest();
    assertThat(runDirs()).containsExactlyInAnyOrder("run-" + second.runId(), "run-" + third.runId());
    try (Stream<Path> entries = Files.list(work.resolve("fake"))) {
      assertThat(entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(Manifest.RECORD_PREFIX)))
          .containsExactlyInAnyOrder(Manifest.RECORD_PREFIX + ".00000002.json", Manifest.RECORD_PREFIX + ".00000003.json");
    }
  }

  private List<String> runDirs() throws Exception {
    try (Stream<Path> entries = Files.list(work.resolve("fake"))) {
      return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("run-")).toList();
    }
  }

  @Test
  void aFailedRunLeavesThePreviousOutputVisibleAndIsCleanedUpLater() throws Exception {
    Manifest first = new FakeStage(false, "x", 5, false).run().manifest();
    assertThatThrownBy(() -> new FakeStage(true, "y", 9, true).run()).hasMessageContaining("boom");
    Manifest still = new FakeStage(false, "x", 0, false).output().manifest().orElseThrow();
    assertThat(still.runId()).isEqualTo(first.runId());
    assertThat(still.rowCount()).isEqualTo(5);
    // The next successful run removes the failed run's directory.
    Manifest third = new FakeStage(true, "z", 3, false).run().manifest();
    assertThat(runDirs()).containsExactlyInAnyOrder("run-" + first.runId(), "run-" + third.runId());
  }

  @Test
  void aSecondWriterIsRefusedWhileTheFirstHoldsTheOutput() {
    try (org.sparkdistill.io.OutputLock held =
        org.sparkdistill.io.OutputLock.acquire(
            new org.apache.hadoop.fs.Path(work.resolve("fake").toUri()), "the-other-run", new org.apache.hadoop.conf.Configuration(),
            java.time.Duration.ofSeconds(1), java.time.Duration.ofMinutes(5))) {
      assertThatThrownBy(() -> new FakeStage(false, "x", 5, false).run())
          .isInstanceOf(org.sparkdistill.io.OutputLock.HeldException.class)
          .hasMessageContaining("is being written by run the-other-run");
    }
    // Once the other run is done, the stage runs and leaves no lock behind.
    assertThat(new FakeStage(false, "x", 5, false).run().skipped()).isFalse();
    assertThat(Files.exists(work.resolve("fake").resolve(org.sparkdistill.io.OutputLock.FILE_NAME))).isFalse();
  }

  @Test
  void anUnfinishedOutputIsNotReadable() {
    assertThatThrownBy(() -> new FakeStage(false, "x", 0, false).output().requireFinished("fake"))
        .hasMessageContaining("has no " + Manifest.FILE_NAME)
        .hasMessageContaining("run it first");
  }
}
