package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.FeatureStorage;

/**
 * {@code cache.features: int8} through the real stages on a four-class slice of the Debian data
 * (real MiniLM encoder): the int8 encode output, read back with parquet-hadoop's example reader
 * (not Spark, not the code under test), matches the float32 encode output of the same texts
 * within half a scale per element; LELP fits and transforms on the int8 score cache through the
 * one decoding point; a storage change is refused (or rerun with --overwrite); damaged rows fail
 * naming the file, the row and the column.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompactCacheTest {
  @TempDir static Path root;
  private SparkSession spark;
  private StageContext float32;
  private StageContext int8;

  static DistillConfig fourClass(Path work, int rows, FeatureStorage storage) {
    DistillConfig c = TestConfigs.debianSlice(work, rows);
    Map<String, List<String>> groups = new LinkedHashMap<>();
    groups.put("internet", List.of("net", "web", "mail", "httpd", "comm"));
    groups.put("media", List.of("sound", "graphics", "video", "fonts", "games"));
    groups.put("science", List.of("science", "math", "electronics", "hamradio"));
    groups.put("system", List.of("admin", "text", "editors", "database", "tex", "vcs"));
    c.data.labels = List.copyOf(groups.keySet());
    c.data.labelGroups = groups;
    c.targets.method = "lelp";
    c.targets.lelp.subclasses = 3;
    c.targets.lelp.teacherTemperature = 2.0;
    c.targets.lelp.subclassTemperature = 0.5;
    c.cache.features = storage;
    return c;
  }

  @BeforeAll
  void run() {
    spark = SharedSpark.session();
    float32 = new StageContext(spark, fourClass(root.resolve("float32"), 120, FeatureStorage.FLOAT32), false);
    new PrepareStage(float32).run();
    new EncodeStage(float32).run();
    DistillConfig c8 = fourClass(root.resolve("int8"), 120, FeatureStorage.INT8);
    c8.outputs.put(PrepareStage.NAME, float32.output(PrepareStage.NAME).dir().toString()); // the same texts, prepared once
    int8 = new StageContext(spark, c8, false);
    for (Stage stage : Chain.teacher(int8)) {
      stage.run();
    }
    new TargetsStage(int8).run();
  }

  /** id -> features of a float32 output, read with parquet-hadoop's Group API. */
  private static Map<String, float[]> readFloat32(StageInput input) throws IOException {
    Map<String, float[]> out = new HashMap<>();
    for (Group g : groups(input)) {
      Group list = g.getGroup(Columns.FEATURES, 0);
      float[] x = new float[list.getFieldRepetitionCount(0)];
      for (int i = 0; i < x.length; i++) {
        x[i] = list.getGroup(0, i).getFloat(0, 0);
      }
      out.put(g.getString(Columns.ID, 0), x);
    }
    return out;
  }

  /** id -> (q bytes, scale) of an int8 output, read with parquet-hadoop's Group API. */
  private record Stored(byte[] q, float scale) {}

  private static Map<String, Stored> readInt8(StageInput input) throws IOException {
    Map<String, Stored> out = new HashMap<>();
    for (Group g : groups(input)) {
      out.put(g.getString(Columns.ID, 0), new Stored(g.getBinary(Columns.FEATURES_INT8, 0).getBytes(), g.getFloat(Columns.FEATURES_SCALE, 0)));
    }
    return out;
  }

  private static List<Group> groups(StageInput input) throws IOException {
    List<Group> out = new java.util.ArrayList<>();
    Configuration conf = new Configuration();
    for (String file : input.manifest().files()) {
      if (file.endsWith(".parquet")) {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(input.output().dir(), file);
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), path).withConf(conf).build()) {
          for (Group g = reader.read(); g != null; g = reader.read()) {
            out.add(g);
          }
        }
      }
    }
    return out;
  }

  private static void assertWithinHalfAScale(Map<String, float[]> reference, Map<String, Stored> stored) {
    assertThat(stored.keySet()).isEqualTo(reference.keySet());
    for (Map.Entry<String, Stored> e : stored.entrySet()) {
      float[] x = reference.get(e.getKey());
      byte[] q = e.getValue().q();
      float s = e.getValue().scale();
      assertThat(q).hasSize(384);
      double max = 0;
      for (float v : x) {
        max = Math.max(max, Math.abs(v));
      }
      // the two encodes ran separately: allow their 1e-5 batch-padding noise on top of s/2
      assertThat((double) s).as("scale of %s", e.getKey()).isCloseTo(max / 127, org.assertj.core.data.Offset.offset(1e-6));
      for (int i = 0; i < x.length; i++) {
        assertThat(Math.abs(x[i] - q[i] * (double) s)).as("row %s element %d", e.getKey(), i).isLessThanOrEqualTo(s / 2 + 1e-5);
      }
    }
  }

  @Test
  void anIndependentParquetReaderDecodesTheInt8EncodeOutput() throws IOException {
    StageInput encode8 = int8.graph().input(EncodeStage.NAME);
    StageInput encode32 = float32.graph().input(EncodeStage.NAME);
    String file = encode8.manifest().files().stream().filter(f -> f.endsWith(".parquet")).findFirst().orElseThrow();
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(encode8.output().dir(), file), new Configuration()))) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      assertThat(schema.getType(Columns.FEATURES_INT8).asPrimitiveType().getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.BINARY);
      assertThat(schema.getType(Columns.FEATURES_SCALE).asPrimitiveType().getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.FLOAT);
      assertThat(schema.containsField(Columns.FEATURES)).isFalse();
    }
    assertWithinHalfAScale(readFloat32(encode32), readInt8(encode8));
  }

  @Test
  void theScoreCacheIsInt8TooAndEveryReaderGetsFloats() throws IOException {
    Map<String, float[]> reference = readFloat32(float32.graph().input(EncodeStage.NAME));
    StageInput score = int8.graph().input(ScoreStage.NAME);
    Map<String, Stored> stored = readInt8(score);
    assertWithinHalfAScale(reference, stored);
    // score re-quantises the decoded encode vectors: the same bytes, the scale within a float rounding
    Map<String, Stored> encoded = readInt8(int8.graph().input(EncodeStage.NAME));
    for (Map.Entry<String, Stored> e : stored.entrySet()) {
      assertThat(e.getValue().q()).as("bytes of %s", e.getKey()).isEqualTo(encoded.get(e.getKey()).q());
      assertThat(e.getValue().scale()).isCloseTo(encoded.get(e.getKey()).scale(), org.assertj.core.data.Offset.offset(Math.ulp(encoded.get(e.getKey()).scale())));
    }

    Dataset<Row> decoded = CachedFeatures.read(score, CacheSchemas.scores());
    assertThat(decoded.schema().fieldNames()).containsExactly(CacheSchemas.scores().fieldNames());
    assertThat(decoded.schema().apply(Columns.FEATURES).dataType().sameType(CacheSchemas.scores().apply(Columns.FEATURES).dataType())).isTrue();
    for (Row row : decoded.select(Columns.ID, Columns.FEATURES).collectAsList()) {
      Stored s = stored.get(row.getString(0));
      List<Float> x = row.getList(1);
      assertThat(x).hasSize(384);
      for (int i = 0; i < x.size(); i++) {
        assertThat(x.get(i)).isEqualTo(s.q()[i] * s.scale());
      }
    }
    // LELP's fit and transform read the int8 score cache: one target row per score row
    Manifest targets = int8.graph().input(TargetsStage.NAME).manifest();
    assertThat(targets.settings()).containsEntry("targets.method", "lelp");
    assertThat(targets.rowCount()).isPositive();
  }

  @Test
  void manifestsRecordTheStorageAndFloat32PlansAreUnchanged() {
    for (String stage : List.of(EncodeStage.NAME, ScoreStage.NAME)) {
      Manifest m8 = int8.graph().input(stage).manifest();
      assertThat(m8.settings()).as(stage).containsEntry(CachedFeatures.SETTING, "int8");
      assertThat(m8.metrics()).as(stage).containsEntry(CachedFeatures.STORAGE_METRIC, "int8").containsEntry(CachedFeatures.DIMENSION_METRIC, 384);
    }
    Manifest m32 = float32.graph().input(EncodeStage.NAME).manifest();
    assertThat(m32.settings()).doesNotContainKey(CachedFeatures.SETTING);
    assertThat(m32.metrics()).containsEntry(CachedFeatures.STORAGE_METRIC, "float32").containsEntry(CachedFeatures.DIMENSION_METRIC, 384);
    assertThat(CachedFeatures.storageOf(m32, "x")).isEqualTo(FeatureStorage.FLOAT32);
  }

  @Test
  void aStorageChangeIsRefusedThenRerunWithOverwrite(@TempDir Path work) {
    DistillConfig c = fourClass(work, 120, FeatureStorage.FLOAT32);
    c.outputs.put(PrepareStage.NAME, float32.output(PrepareStage.NAME).dir().toString());
    c.outputs.put(EncodeStage.NAME, work.resolve("encode").toString());
    StageContext before = new StageContext(spark, c, false);
    new EncodeStage(before).run();
    DistillConfig changed = c.copy();
    changed.cache.features = FeatureStorage.INT8;
    StageContext after = new StageContext(spark, changed, false);
    assertThatThrownBy(() -> new EncodeStage(after).run())
        .isInstanceOf(OutputConflictException.class)
        .hasMessageContaining("setting cache.features: (absent) -> int8");
    assertThatThrownBy(() -> after.graph().input(EncodeStage.NAME))
        .hasMessageContaining("setting cache.features: (absent) -> int8")
        .hasMessageContaining("rerun the encode stage");
    StageResult rerun = new EncodeStage(new StageContext(spark, changed, true)).run();
    assertThat(rerun.skipped()).isFalse();
    assertThat(rerun.manifest().settings()).containsEntry(CachedFeatures.SETTING, "int8");
    assertThat(CachedFeatures.read(new StageContext(spark, changed, false).graph().input(EncodeStage.NAME), CacheSchemas.features()).count()).isEqualTo(120);
  }

  /** A copy of the int8 encode output whose data is {@code damage} of the real data. */
  private StageInput damaged(Path dir, java.util.function.Function<Dataset<Row>, Dataset<Row>> damage) throws IOException {
    StageInput real = int8.graph().input(EncodeStage.NAME);
    Dataset<Row> data = real.read(CacheSchemas.stored(CacheSchemas.features(), FeatureStorage.INT8));
    damage.apply(data).coalesce(1).write().parquet(dir.resolve("run-x").toString());
    List<String> files;
    try (Stream<Path> listed = Files.list(dir.resolve("run-x"))) {
      files = listed.map(p -> "run-x/" + p.getFileName()).filter(f -> f.endsWith(".parquet")).collect(Collectors.toList());
    }
    Manifest m = real.manifest();
    Manifest copy =
        new Manifest(m.schemaVersion(), m.stage(), m.fingerprint(), "x", m.createdAt(), m.inputs(), m.models(), m.settings(), m.labels(), m.rowCount(), m.splitCounts(), m.truncatedCount(), files, m.metrics());
    return new StageInput(EncodeStage.NAME, new StageOutput(dir.toString(), spark.sparkContext().hadoopConfiguration()), copy, spark);
  }

  @Test
  void damagedRowsFailNamingFileRowAndColumn(@TempDir Path dir) throws IOException {
    String victim = int8.graph().input(EncodeStage.NAME).read(CacheSchemas.stored(CacheSchemas.features(), FeatureStorage.INT8)).select(Columns.ID).orderBy(Columns.ID).first().getString(0);
    StageInput nan =
        damaged(dir.resolve("nan"), d -> d.withColumn(Columns.FEATURES_SCALE, functions.when(functions.col(Columns.ID).equalTo(victim), functions.lit(Float.NaN)).otherwise(functions.col(Columns.FEATURES_SCALE))));
    assertThatThrownBy(() -> CachedFeatures.read(nan, CacheSchemas.features()).collectAsList())
        .rootCause()
        .hasMessageContaining(".parquet, row id=" + victim + ", column features_scale: scale is NaN")
        .hasMessageContaining("rerun the stage that wrote it with --overwrite");
    StageInput negative =
        damaged(dir.resolve("neg"), d -> d.withColumn(Columns.FEATURES_SCALE, functions.when(functions.col(Columns.ID).equalTo(victim), functions.lit(-1f)).otherwise(functions.col(Columns.FEATURES_SCALE))));
    assertThatThrownBy(() -> CachedFeatures.read(negative, CacheSchemas.features()).collectAsList())
        .rootCause()
        .hasMessageContaining("row id=" + victim + ", column features_scale: scale is -1.0");
    StageInput shortBytes =
        damaged(
            dir.resolve("short"),
            d -> d.withColumn(Columns.FEATURES_INT8, functions.when(functions.col(Columns.ID).equalTo(victim), functions.expr("substring(features_int8, 1, 383)")).otherwise(functions.col(Columns.FEATURES_INT8))));
    assertThatThrownBy(() -> CachedFeatures.read(shortBytes, CacheSchemas.features()).collectAsList())
        .rootCause()
        .hasMessageContaining(".parquet, row id=" + victim + ", column features_int8: 383 bytes, expected 384 (the featureDimension of the manifest)");
    // readers of other columns never decode: the logits-only path of MUKA pays nothing
    assertThat(CachedFeatures.read(nan, CacheSchemas.features()).select(Columns.ID).count()).isEqualTo(120);
  }
}
