package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.testing.DebianSliceFixture;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;

/**
 * {@code status}, {@code verify} and {@code --rebuild} on a real prepare → encode → train-teacher
 * chain: states from manifests, a damaged Parquet part file found and named, the downstream error
 * naming the stage to rebuild, and the rebuild recomputing it although its settings are unchanged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class VerifyRebuildStatusTest {
  @TempDir static Path work;
  private SparkSession spark;
  private DistillConfig config;
  private Configuration conf;

  @BeforeAll
  void teacherSide() {
    spark = SharedSpark.session();
    conf = spark.sparkContext().hadoopConfiguration();
    config = TestConfigs.debianSlice(work, DebianSliceFixture.ROWS);
    // prepare and encode are the JVM's shared slice fixture (copied: the tests below damage them).
    DebianSliceFixture.copyInto(work, "prepare", "encode");
    StageContext context = new StageContext(spark, config, false);
    new PrepareStage(context).run();
    new EncodeStage(context).run();
  }

  private Map<String, StageStatus.Entry> status(DistillConfig c) {
    List<Stage> stages = List.of(new PrepareStage(new StageContext(spark, c, false)), new EncodeStage(new StageContext(spark, c, false)), new TrainTeacherStage(new StageContext(spark, c, false)));
    return StageStatus.of(stages).stream().collect(Collectors.toMap(StageStatus.Entry::stage, Function.identity()));
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void statusNamesDoneStaleAndMissingFromTheManifests() {
    Map<String, StageStatus.Entry> now = status(config);
    assertThat(now.get("prepare").state()).isEqualTo("done");
    assertThat(now.get("encode").state()).isEqualTo("done");
    assertThat(now.get("encode").detail()).startsWith("would skip");
    assertThat(now.get("train-teacher").state()).isEqualTo("missing");
    DistillConfig changed = config.copy();
    changed.encoder.maxLength = 16;
    Map<String, StageStatus.Entry> later = status(changed);
    assertThat(later.get("prepare").state()).isEqualTo("done");
    assertThat(later.get("encode").state()).isEqualTo("stale");
    assertThat(later.get("encode").detail()).contains("setting encoder.maxLength: 32 -> 16");
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void verifyFindsADamagedPartFileTheDownstreamErrorNamesItAndRebuildRepairsIt() throws Exception {
    StageContext context = new StageContext(spark, config, false);
    EncodeStage encode = new EncodeStage(context);
    assertThat(OutputVerifier.verify(List.of(new PrepareStage(context), encode), conf)).allMatch(r -> r.state().equals("ok"));
    Manifest before = encode.output().requireFinished(EncodeStage.NAME);

    // Flip bytes in the middle of the largest part file (the local filesystem's .crc catches it).
    Path part;
    try (Stream<Path> files = Files.walk(Path.of(encode.output().dir().toUri().getPath()))) {
      part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(part.toFile(), "rw")) {
      long middle = f.length() / 2;
      f.seek(middle);
      int b = f.read();
      f.seek(middle);
      f.write(b ^ 0xFF);
    }
    OutputVerifier.Result damaged = OutputVerifier.verify(List.of(encode), conf).get(0);
    assertThat(damaged.state()).isEqualTo("damaged");
    assertThat(damaged.detail()).contains(part.getFileName().toString()).contains("rerun with --rebuild encode");

    // A downstream stage that reads it says which stage to rebuild.
    TrainTeacherStage teacher = new TrainTeacherStage(context);
    Exception failure = null;
    try {
      teacher.run();
    } catch (Exception e) { // Spark's own exceptions are checked ones thrown from Scala
      failure = e;
    }
    assertThat(failure).as("train-teacher over a damaged encode output").isNotNull();
    assertThat(DamagedOutputs.explain(failure, context))
        .hasMessageContaining("the encode output at " + encode.output().dir().toUri().getPath() + " is damaged")
        .hasMessageContaining("then rerun with --rebuild encode");

    // Unchanged settings: a plain run skips; --rebuild encode recomputes it (and downstream).
    assertThat(new EncodeStage(context).run().skipped()).isTrue();
    StageContext rebuild = new StageContext(spark, config, false, Rebuild.from("encode"));
    assertThat(rebuild.rebuild()).contains("encode", "train-teacher", "score", "evaluate").doesNotContain("prepare");
    StageResult rebuilt = new EncodeStage(rebuild).run();
    assertThat(rebuilt.skipped()).isFalse();
    assertThat(rebuilt.manifest().runId()).isNotEqualTo(before.runId());
    assertThat(rebuilt.manifest().fingerprint()).isEqualTo(before.fingerprint());
    assertThat(rebuilt.manifest().rowCount()).isEqualTo(before.rowCount());
    assertThat(OutputVerifier.verify(List.of(new EncodeStage(context)), conf).get(0).state()).isEqualTo("ok");
    assertThat(new TrainTeacherStage(context).run().skipped()).isFalse();
  }

  @Test
  void rebuildRefusesANameOutsideTheChain() {
    assertThatThrownBy(() -> Rebuild.from("encoder")).hasMessageContaining("--rebuild must name a stage of this command's chain [prepare, encode").hasMessageContaining("got: encoder");
    assertThat(Rebuild.from(null)).isEqualTo(Set.of());
  }
}
