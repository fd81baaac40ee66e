package org.sparkdistill.method.muka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.method.StudentObjective;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.TargetsStage;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;

/**
 * The MUKA comparison end to end on a slice of the real Debian data and the real encoder (one
 * seed, every variant), then checks of what it wrote: teachers on their own labels, no label on
 * the student's rows, fingerprints, targets recomputed by an independent reader, and bad inputs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MukaSliceTest {
  @TempDir static Path temp;
  /** The work directory: a temporary one, or -Dmuka.test.work=DIR to keep (and reuse) the outputs. */
  private static Path work;
  private SparkSession spark;
  private DistillConfig config;
  private MukaComparison.Result result;
  private List<MukaTeachers.Teacher> teachers;

  /**
   * The slice: the shipped {@code conf/muka.yaml} with these overrides (the real Debian snapshot
   * and encoder at absolute paths, 300 rows at 32 tokens, short head and student trainings, one
   * seed). {@link #theMukaCommandOnTheShippedConfigSkipsTheFinishedComparisonAndPrintsTheTable}
   * passes the same file and overrides to the {@code muka} command, which is what {@code .ci/run}
   * ran as its MUKA slice.
   */
  static List<String> sliceOverrides(Path workDir) {
    Path root = TestConfigs.projectRoot();
    return List.of(
        "workDir=" + workDir,
        "data.path=" + root.resolve("data/debian/debian-sections-20.jsonl.gz"),
        "data.maxRows=300",
        "data.split.labelledPerClass=0", // MUKA split: the whole pool is labelled for the teachers...
        "data.split.transferFraction=0.0", // ...and reaches the student without labels
        "encoder.model=" + TestConfigs.encoderDir().resolve("all-minilm-l6-v2.onnx"),
        "encoder.tokenizer=" + TestConfigs.encoderDir().resolve("all-minilm-l6-v2-tokenizer.json"),
        "encoder.int8Model=" + TestConfigs.int8ModelFile(),
        "encoder.maxLength=32",
        "encoder.batchSize=16",
        "encoder.partitions=2",
        "teacher.epochs=30",
        "teacher.patience=5",
        "score.mcPasses=8",
        "student.buckets=4096",
        "student.embeddingDim=16",
        "student.epochs=12",
        "student.patience=10",
        "student.batchSize=32",
        "student.labelsOnlyBatchSize=32",
        "student.learningRate=0.05",
        "muka.seeds=[1]");
  }

  static Path shippedConfig() {
    return TestConfigs.projectRoot().resolve("conf/muka.yaml");
  }

  static DistillConfig sliceConfig(Path workDir) {
    return ConfigLoader.load(shippedConfig(), sliceOverrides(workDir));
  }

  @BeforeAll
  void runComparison() {
    spark = SharedSpark.session();
    work = System.getProperty("muka.test.work") != null ? Path.of(System.getProperty("muka.test.work")) : temp;
    config = sliceConfig(work.resolve("muka"));
    teachers = MukaTeachers.of(config);
    result = new MukaComparison(spark, config, false).run();
  }

  private DistillConfig variant(String name) {
    MukaComparison comparison = new MukaComparison(spark, config, false);
    return MukaComparison.variantConfig(
        comparison.seedConfig(1), MukaComparison.VARIANTS.stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow());
  }

  private static StageOutput output(String dir) {
    return new StageOutput(dir, SharedSpark.session().sparkContext().hadoopConfiguration());
  }

  private static Manifest manifest(String dir) {
    return output(dir).manifest().orElseThrow(() -> new AssertionError("no manifest at " + dir));
  }

  /** The rows a finished output's manifest lists, with every column of {@code schema}. */
  private static Dataset<Row> rows(String dir, org.apache.spark.sql.types.StructType schema) {
    return output(dir).read(SharedSpark.session(), manifest(dir), schema);
  }

  private String prepareDir() {
    return work.resolve("muka").resolve(PrepareStage.NAME).toString();
  }

  private String seedDir(String key) {
    return work.resolve("muka").resolve("s1").resolve(key).toString();
  }

  @Test
  void defaultTeachersAreTwoHalvesOfTheLabelsEachTrainedOnItsOwnLabelsOnly() {
    assertThat(teachers).extracting(MukaTeachers.Teacher::name).containsExactly("t1", "t2");
    assertThat(teachers.get(0).labels()).isEqualTo(TestConfigs.DEBIAN_LABELS.subList(0, 10));
    assertThat(teachers.get(1).labels()).isEqualTo(TestConfigs.DEBIAN_LABELS.subList(10, 20));
    Dataset<Row> examples = rows(prepareDir(), CacheSchemas.examples());
    for (MukaTeachers.Teacher t : teachers) {
      Manifest head = manifest(seedDir(t.headOutput()));
      Manifest score = manifest(seedDir(t.scoreOutput()));
      assertThat(head.labels()).isEqualTo(t.labels());
      assertThat(score.labels()).isEqualTo(t.labels());
      // the head saw exactly the labelled train rows of its own labels (counted here from prepare)
      long expected = examples.filter(functions.col(Columns.SPLIT).equalTo("train").and(functions.col(Columns.LABEL).isin(t.labels().toArray()))).count();
      assertThat(head.splitCounts().get("train")).isEqualTo(expected).isGreaterThan(0L);
    }
    assertThat(result.teachers().get(0).withinSubset()).containsKeys("t1", "t2");
  }

  @Test
  void noLabelReachesTheRowsTheStudentTrainsOn() {
    for (String v : List.of("muka", "muka-hard", "no-mc", "concat-kd", "uhc")) {
      DistillConfig c = variant(v);
      StageContext ctx = new StageContext(spark, c, false);
      Dataset<Row> targets = TargetsStage.rows(ctx.graph().input(TargetsStage.NAME), c.data.labels);
      StudentObjective objective = StudentObjective.of(c.student.mode, new MukaMethod(c), ctx.graph().input(TargetsStage.NAME).manifest().settings(), c);
      Dataset<Row> trained = objective.trainingRows(targets, c.data.labels);
      assertThat(trained.count()).as(v).isEqualTo(result.studentRows()).isGreaterThan(100L);
      assertThat(trained.filter(functions.col(Columns.LABEL).isNotNull()).count()).as(v).isZero();
      // the same texts do carry labels in prepare: the targets removed them
      assertThat(rows(prepareDir(), CacheSchemas.examples())
          .filter(functions.col(Columns.SPLIT).equalTo("train").and(functions.col(Columns.LABEL).isNotNull())).count()).isEqualTo(result.studentRows());
      // validation keeps its labels for early stopping
      assertThat(targets.filter(functions.col(Columns.SPLIT).equalTo("validation").and(functions.col(Columns.LABEL).isNotNull())).count()).isEqualTo(result.validationLabels());
    }
    assertThat(result.validationLabels()).isGreaterThan(0L);
  }

  @Test
  void theTargetsManifestRecordsEveryTeacherCacheFingerprint() {
    Manifest targets = manifest(Path.of(variant("muka").workDir).resolve("targets").toString());
    for (MukaTeachers.Teacher t : teachers) {
      assertThat(targets.inputs()).containsEntry("scores." + t.name(), manifest(seedDir(t.scoreOutput())).fingerprint());
    }
    assertThat(targets.settings()).containsEntry("muka.selection", "soft").containsEntry("muka.uncertainty", "mc").containsEntry("muka.selectionTemperature", "0.2");
  }

  /** Reads Parquet files with parquet-hadoop's example reader (not Spark). */
  private static Map<String, Group> readGroups(String dir) throws IOException {
    Map<String, Group> out = new HashMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(Path.of(dir))) {
      files = s.filter(p -> p.toString().endsWith(".parquet")).toList();
    }
    for (Path file : files) {
      try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toString())).withConf(new Configuration()).build()) {
        for (Group g = reader.read(); g != null; g = reader.read()) {
          out.put(g.getString("id", 0), g);
        }
      }
    }
    return out;
  }

  private static double[] list(Group g, String field, boolean doubles) {
    Group list = g.getGroup(field, 0);
    int n = list.getFieldRepetitionCount("list");
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      Group element = list.getGroup("list", i);
      out[i] = doubles ? element.getDouble("element", 0) : element.getFloat("element", 0);
    }
    return out;
  }

  /** Independent double-precision recomputation of the soft, re-weighted MC target from the cached logits. */
  @Test
  void anIndependentReaderRecomputesASampleOfTargetsFromTheCachedLogits() throws IOException {
    assertSoftTargetsRecomputed(Path.of(variant("muka").workDir).resolve("targets").toString(), seedDir("score-t1"), seedDir("score-t2"));
  }

  /** The soft, re-weighted MC targets of two teachers on the two halves of the labels, recomputed from their caches (parquet-hadoop reader, doubles). */
  private static void assertSoftTargetsRecomputed(String targetsDir, String cache1, String cache2) throws IOException {
    Map<String, Group> targets = readGroups(targetsDir);
    Map<String, Group> c1 = readGroups(cache1);
    Map<String, Group> c2 = readGroups(cache2);
    assertThat(targets).hasSameSizeAs(c1).hasSameSizeAs(c2);
    List<String> ids = new ArrayList<>(new java.util.TreeSet<>(targets.keySet())).subList(0, 60);
    for (String id : ids) {
      double[][] p = {probabilities(list(c1.get(id), "logits", false)), probabilities(list(c2.get(id), "logits", false))};
      double[] u = {c1.get(id).getDouble("certainty", 0), c2.get(id).getDouble("certainty", 0)};
      double w1 = 1 / (1 + Math.exp((u[1] - u[0]) / 0.2));
      double[] expected = new double[20];
      for (int j = 0; j < 10; j++) {
        expected[j] = w1 * p[0][j];
        expected[10 + j] = (1 - w1) * p[1][j];
      }
      Group row = targets.get(id);
      assertThat(list(row, "target", false)).as(id).containsExactly(expected, within(2e-6));
      assertThat(row.getDouble("weight", 0)).as(id).isCloseTo(Math.abs(u[0] - u[1]) + 1e-6, within(1e-12));
      assertThat(row.getString(MukaTargets.SELECTED, 0)).as(id).isEqualTo(u[1] > u[0] ? "t2" : "t1");
    }
  }

  private static double[] probabilities(double[] logits) {
    double max = java.util.Arrays.stream(logits).max().orElseThrow();
    double[] e = java.util.Arrays.stream(logits).map(l -> Math.exp(l - max)).toArray();
    double sum = java.util.Arrays.stream(e).sum();
    return java.util.Arrays.stream(e).map(v -> v / sum).toArray();
  }

  @Test
  void theComparisonReportsEveryVariantAndTheSelectionAccuracy() {
    assertThat(result.cells()).extracting(MukaComparison.Cell::variant).containsExactly("muka", "muka-hard", "no-mc", "concat-kd", "uhc", "upper");
    for (MukaComparison.Cell cell : result.cells()) {
      assertThat(cell.testAccuracy()).as(cell.variant()).isBetween(0.0, 1.0);
    }
    MukaComparison.Cell muka = result.cells().get(0);
    assertThat(muka.selectionAccuracy()).isBetween(0.5, 1.0);
    String table = MukaComparison.table(result);
    assertThat(table).contains("| MUKA (MC, soft, re-weighted) |").contains("UHC").contains("MC cost").contains("t1");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theRunReportHoldsTheComparisonFromItsPublishedResults() throws IOException {
    String dir = work.resolve("muka").resolve(MukaReportStage.NAME).toString();
    Manifest m = manifest(dir);
    assertThat(m.inputs()).containsKeys("s1:muka:evaluate", "s1:score-t1", "s1:score-union");
    assertThat(m.files()).anyMatch(f -> f.endsWith("/report.html")).anyMatch(f -> f.endsWith("/" + MukaReportStage.RESULTS));
    Path runDir = Path.of(dir).resolve(m.files().get(0)).getParent();
    Map<String, Object> json = new com.fasterxml.jackson.databind.ObjectMapper().readValue(runDir.resolve(MukaReportStage.RESULTS).toFile(), Map.class);
    List<Map<String, Object>> cells = (List<Map<String, Object>>) json.get("cells");
    assertThat(cells).hasSize(result.cells().size());
    assertThat(((Number) cells.get(0).get("testAccuracy")).doubleValue()).isEqualTo(result.cells().get(0).testAccuracy());
    String page = Files.readString(runDir.resolve("report.html"));
    // the first seed's MUKA test accuracy, formatted as the section does (n = 1 seed)
    assertThat(page).contains("Teacher selection accuracy").contains("Test quality")
        .contains(String.format(java.util.Locale.ROOT, "%.3f (n=1)", result.cells().get(0).testAccuracy())).contains("head only");
  }

  /**
   * The {@code muka} command on {@code conf/muka.yaml} with the slice's overrides (what {@code
   * .ci/run} ran twice as its MUKA slice): the same settings as this class's comparison, so it
   * finds every stage finished, computes nothing, and prints the comparison's table.
   */
  @Test
  void theMukaCommandOnTheShippedConfigSkipsTheFinishedComparisonAndPrintsTheTable() {
    List<String> args = new ArrayList<>(List.of("muka", "--config", shippedConfig().toString(), "--stacktrace"));
    for (String override : sliceOverrides(work.resolve("muka"))) {
      args.add("--set");
      args.add(override);
    }
    // conf/muka.yaml sets spark.sql.shuffle.partitions, a runtime setting the command applies to
    // the shared session: put it back afterwards.
    String partitions = spark.conf().get("spark.sql.shuffle.partitions");
    java.io.PrintStream out = System.out;
    java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
    int code;
    System.setOut(new java.io.PrintStream(buffer, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      code = org.sparkdistill.cli.SparkDistill.execute(args.toArray(String[]::new));
    } finally {
      System.setOut(out);
      spark.conf().set("spark.sql.shuffle.partitions", partitions);
    }
    String printed = buffer.toString(java.nio.charset.StandardCharsets.UTF_8);
    System.out.print(printed);
    assertThat(code).as("muka command exit status").isZero();
    assertThat(printed).contains("skipped (up to date)").doesNotContain(" done in ");
    assertThat(printed).containsPattern("\\| MUKA \\(MC, soft, re-weighted\\) \\| 0\\.")
        .containsPattern("\\| UHC \\(one KL per teacher block\\) \\| 0\\.");
    assertThat(printed).contains(MukaComparison.table(result));
  }

  // ---- bad input: one-line errors, nothing written ----

  private void assertNothingWritten(String targetsDir) throws IOException {
    Path dir = Path.of(targetsDir);
    if (Files.exists(dir)) {
      try (Stream<Path> s = Files.walk(dir)) {
        assertThat(s.map(Path::getFileName).map(Path::toString)).noneMatch(f -> f.endsWith(".parquet") || f.startsWith("_manifest"));
      }
    }
  }

  private DistillConfig badConfig(String name) {
    DistillConfig c = variant("muka");
    c.workDir = work.resolve("bad-" + name).toString();
    return c;
  }

  /** Copies a teacher cache into a new output, with its rows and manifest changed. */
  private String rewrittenCache(String from, String name, java.util.function.UnaryOperator<Dataset<Row>> rows) {
    Manifest m = manifest(seedDir(from));
    String dir = work.resolve("caches").resolve(name).toString();
    StageOutput out = new StageOutput(dir, spark.sparkContext().hadoopConfiguration());
    org.apache.hadoop.fs.Path run = out.newRunDir("r1");
    rows.apply(rows(seedDir(from), CacheSchemas.scores())).write().parquet(run.toString());
    List<String> files = out.listDataFiles(run);
    out.publish(new Manifest(m.schemaVersion(), m.stage(), m.fingerprint(), "r1", m.createdAt(), m.inputs(), m.models(), m.settings(), m.labels(),
        out.countRows(files), m.splitCounts(), m.truncatedCount(), files, m.metrics()));
    return dir;
  }

  @Test
  void cachesWithDifferentIdSetsAreRefusedNamingTheCounts() throws IOException {
    DistillConfig c = badConfig("ids");
    c.outputs.put("score-t2", rewrittenCache("score-t2", "fewer-ids", d -> d.filter(functions.col(Columns.SPLIT).notEqual(Split.TEST.value()))));
    assertThatThrownBy(() -> new TargetsStage(new StageContext(spark, c, false)).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("every teacher cache over the same ids")
        .hasMessageMatching("(?s)[^\\n]*'t1' at .*: \\d+ ids, 't2' at .*fewer-ids: \\d+ ids, \\d+ in all of them.*");
    assertNothingWritten(Path.of(c.workDir).resolve("targets").toString());
  }

  @Test
  void logitsWhoseWidthDiffersFromTheManifestsLabelsAreRefused() throws IOException {
    DistillConfig c = badConfig("width");
    c.outputs.put("score-t1", rewrittenCache("score-t1", "narrow", d -> d.withColumn(Columns.LOGITS, functions.slice(functions.col(Columns.LOGITS), 1, 9))));
    assertThatThrownBy(() -> new TargetsStage(new StageContext(spark, c, false)).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("teacher cache 't1'")
        .hasMessageContaining("its manifest lists 10 labels")
        .hasMessageContaining("the logits have 9 values");
    assertNothingWritten(Path.of(c.workDir).resolve("targets").toString());
  }

  @Test
  void mcSelectionOnACacheWithoutMcStatisticsIsRefused() throws IOException {
    DistillConfig c = badConfig("nomc");
    c.outputs.put("score-t1", seedDir("score-t1-k1")); // the one-pass cache the cost measurement wrote
    assertThatThrownBy(() -> new TargetsStage(new StageContext(spark, c, false)).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("teacher cache 't1'")
        .hasMessageContaining("has no MC-dropout statistics (score.mcPasses = 1")
        .hasMessageContaining("muka.uncertainty: no-mc");
    assertNothingWritten(Path.of(c.workDir).resolve("targets").toString());
    // the same cache serves no_mc selection
    c.muka.uncertainty = MukaMethod.NO_MC;
    assertThat(new TargetsStage(new StageContext(spark, c, false)).run().manifest().rowCount()).isEqualTo(300L - countDropped());
  }

  private long countDropped() {
    return 300L - manifest(prepareDir()).rowCount();
  }

  /**
   * Variants on the slice: three overlapping teachers, one of them on the int8 encoder (its own
   * encode output): every teacher trains on its own labels, targets over the union sum to 1 and a
   * shared class takes mass from both teachers that know it.
   */
  @Test
  void threeOverlappingHeterogeneousTeachersBuildTargetsOverTheUnion() {
    DistillConfig c = sliceConfig(work.resolve("muka"));
    List<String> l = TestConfigs.DEBIAN_LABELS;
    c.muka.teachers = new java.util.LinkedHashMap<>(Map.of());
    c.muka.teachers.put("a", l.subList(0, 8));
    c.muka.teachers.put("b", l.subList(6, 14));
    c.muka.teachers.put("c", l.subList(12, 20));
    c.muka.teacherEncoders = new java.util.LinkedHashMap<>(Map.of("c", "int8"));
    DistillConfig seed = new MukaComparison(spark, c, false).seedConfig(7);
    seed.workDir = work.resolve("variants").toString();
    List<MukaTeachers.Teacher> three = MukaTeachers.of(seed);
    for (MukaTeachers.Teacher t : three) {
      for (org.sparkdistill.stage.Stage stage : org.sparkdistill.stage.Chain.teacher(new StageContext(spark, MukaTeachers.teacherConfig(seed, t), false))) {
        stage.run();
      }
      assertThat(manifest(work.resolve("variants").resolve(t.scoreOutput()).toString()).labels()).isEqualTo(t.labels());
    }
    Manifest int8 = manifest(seed.outputs.get("encode-int8"));
    assertThat(int8.settings()).containsEntry("encoder.precision", "int8");
    DistillConfig v = MukaComparison.variantConfig(seed, MukaComparison.VARIANTS.get(0));
    Manifest targets = new TargetsStage(new StageContext(spark, v, false)).run().manifest();
    assertThat(targets.inputs()).containsKeys("scores.a", "scores.b", "scores.c");
    Dataset<Row> rows = rows(Path.of(v.workDir).resolve("targets").toString(), CacheSchemas.targets().add(MukaTargets.SELECTED, "string"));
    List<Row> sample = rows.select(Columns.TARGET, MukaTargets.SELECTED).limit(50).collectAsList();
    for (Row r : sample) {
      double[] t = r.getList(0).stream().mapToDouble(x -> ((Float) x).doubleValue()).toArray();
      assertThat(t).hasSize(20);
      assertThat(java.util.Arrays.stream(t).sum()).isCloseTo(1.0, within(1e-5));
      assertThat(t[6]).isGreaterThan(0.0); // "graphics" is known to a and b
    }
    assertThat(MukaComparison.selectionAccuracy(rows, three, Split.VALIDATION)).isBetween(0.3, 1.0);
  }

  /** Runs every teacher's chain of {@code seed}; returns each teacher's stage names, in order. */
  private Map<String, List<String>> runTeachers(DistillConfig seed) {
    Map<String, List<String>> stages = new java.util.LinkedHashMap<>();
    for (MukaTeachers.Teacher t : MukaTeachers.of(seed)) {
      List<String> names = new ArrayList<>();
      for (org.sparkdistill.stage.Stage stage : org.sparkdistill.stage.Chain.teacher(new StageContext(spark, MukaTeachers.teacherConfig(seed, t), false))) {
        stage.run();
        names.add(stage.name());
      }
      stages.put(t.name(), names);
    }
    return stages;
  }

  /** The MUKA (MC, soft) targets of {@code seed}, built and checked against both teacher caches. */
  private void assertMukaTargetsFromBothCaches(DistillConfig seed) throws IOException {
    DistillConfig v = MukaComparison.variantConfig(seed, MukaComparison.VARIANTS.get(0));
    Manifest targets = new TargetsStage(new StageContext(spark, v, false)).run().manifest();
    String c1 = Path.of(seed.workDir).resolve("score-t1").toString();
    String c2 = Path.of(seed.workDir).resolve("score-t2").toString();
    assertThat(targets.inputs()).containsEntry("scores.t1", manifest(c1).fingerprint()).containsEntry("scores.t2", manifest(c2).fingerprint());
    assertSoftTargetsRecomputed(Path.of(v.workDir).resolve("targets").toString(), c1, c2);
  }

  /**
   * A frozen-head teacher and a fine-tuned one in one run ({@code muka.teacherKinds}): the
   * fine-tuned teacher has no encode stage, its own train-teacher (the fine-tuned parameters) and
   * score outputs with its kind and MC layers in their manifests, and the MUKA targets come from
   * both caches. Tiny on purpose (32 tokens, 1 epoch, 2 MC passes over the top layer).
   */
  @Test
  void aFrozenHeadTeacherAndAFineTunedTeacherMixWithTheirOwnKindsAndOutputs() throws IOException {
    DistillConfig c = sliceConfig(work.resolve("muka"));
    c.muka.teacherKinds = new java.util.LinkedHashMap<>(Map.of("t1", "finetune"));
    c.teacher.finetune.epochs = 1;
    c.teacher.finetune.mcLayers = 1;
    c.score.mcPasses = 2;
    DistillConfig seed = new MukaComparison(spark, c, false).seedConfig(8);
    seed.workDir = work.resolve("kinds").toString();
    List<MukaTeachers.Teacher> two = MukaTeachers.of(seed);
    assertThat(two).extracting(MukaTeachers.Teacher::kind)
        .containsExactly(org.sparkdistill.config.TeacherKind.FINETUNE, org.sparkdistill.config.TeacherKind.HEAD);
    Map<String, List<String>> stages = runTeachers(seed);
    assertThat(stages.get("t1")).containsExactly("prepare", "train-teacher", "score");
    assertThat(stages.get("t2")).containsExactly("prepare", "encode", "train-teacher", "score");
    Manifest head1 = manifest(work.resolve("kinds").resolve("train-teacher-t1").toString());
    Manifest score1 = manifest(work.resolve("kinds").resolve("score-t1").toString());
    Manifest score2 = manifest(work.resolve("kinds").resolve("score-t2").toString());
    assertThat(head1.settings()).containsEntry("teacher.kind", "finetune");
    assertThat(head1.files()).anyMatch(f -> f.endsWith("finetuned.params"));
    assertThat(score1.settings()).containsEntry("teacher.kind", "finetune").containsEntry("teacher.finetune.mcLayers", "1").containsEntry("score.mcPasses", "2");
    assertThat(score2.settings()).containsEntry("teacher.kind", "head");
    assertThat(score1.labels()).isEqualTo(two.get(0).labels());
    assertThat(score2.labels()).isEqualTo(two.get(1).labels());
    // the fine-tuned teacher read the texts, not the shared encode output
    assertThat(score1.inputs().values()).doesNotContain(manifest(seed.outputs.get("encode")).fingerprint());
    assertMukaTargetsFromBothCaches(seed);
  }

  /**
   * A heterogeneous pair: MiniLM fp32 (the run's encoder, shared encode) and bge-small-en-v1.5
   * int8 ({@code muka.teacherEncoders.t2: bge-small-int8}) with its own encode output. Its vectors
   * are recomputed here for a few texts with ONNX Runtime and DJL's tokenizer directly: the [CLS]
   * token's last hidden state, L2-normalised.
   */
  @Test
  void aMiniLmTeacherAndABgeSmallInt8TeacherEachReadTheirOwnEncode() throws Exception {
    DistillConfig c = sliceConfig(work.resolve("muka"));
    c.muka.teacherEncoders = new java.util.LinkedHashMap<>(Map.of("t2", "bge-small-int8"));
    DistillConfig seed = new MukaComparison(spark, c, false).seedConfig(9);
    seed.workDir = work.resolve("hetero").toString();
    Map<String, List<String>> stages = runTeachers(seed);
    assertThat(stages.get("t2")).contains("encode");
    Path bge = TestConfigs.projectRoot().resolve("target/models/bge-small-en-v15-q");
    String bgeEncode = seed.outputs.get("encode-bge-small-int8");
    assertThat(bgeEncode).isEqualTo(work.resolve("muka").resolve("encode-bge-small-int8").toString());
    Manifest e2 = manifest(bgeEncode);
    assertThat(e2.models()).containsEntry("encoder", sha256(bge.resolve("bge-small-en-v1.5-q.onnx"))).containsEntry("tokenizer", sha256(bge.resolve("bge-small-en-v1.5-q-tokenizer.json")));
    assertThat(e2.settings()).containsEntry("encoder.pooling", "cls").containsEntry("encoder.precision", "int8").containsEntry("encoder.normalize", "true");
    Manifest e1 = manifest(seed.outputs.get("encode"));
    assertThat(e1.fingerprint()).isNotEqualTo(e2.fingerprint());
    assertThat(manifest(work.resolve("hetero").resolve("train-teacher-t2").toString()).inputs().values()).contains(e2.fingerprint());
    assertThat(manifest(work.resolve("hetero").resolve("train-teacher-t1").toString()).inputs().values()).contains(e1.fingerprint());
    // bge-small's vectors, recomputed for 4 texts
    List<Row> texts = rows(prepareDir(), CacheSchemas.examples()).select(Columns.ID, Columns.TEXT).orderBy(Columns.ID).limit(4).collectAsList();
    Map<String, float[]> cached = new HashMap<>();
    for (Row r : rows(bgeEncode, CacheSchemas.features()).select(Columns.ID, "features").collectAsList()) {
      List<Float> f = r.getList(1);
      float[] v = new float[f.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = f.get(i);
      }
      cached.put(r.getString(0), v);
    }
    try (ai.djl.huggingface.tokenizers.HuggingFaceTokenizer tok =
            ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.builder().optTokenizerPath(bge.resolve("bge-small-en-v1.5-q-tokenizer.json"))
                .optMaxLength(32).optTruncation(true).optPadding(false).optAddSpecialTokens(true).build();
        ai.onnxruntime.OrtSession session = ai.onnxruntime.OrtEnvironment.getEnvironment().createSession(bge.resolve("bge-small-en-v1.5-q.onnx").toString())) {
      var env = ai.onnxruntime.OrtEnvironment.getEnvironment();
      for (Row r : texts) {
        ai.djl.huggingface.tokenizers.Encoding enc = tok.encode(r.getString(1));
        long[][] ids = {enc.getIds()};
        long[][] mask = {enc.getAttentionMask()};
        long[][] types = {new long[ids[0].length]};
        try (var a = ai.onnxruntime.OnnxTensor.createTensor(env, ids);
            var b = ai.onnxruntime.OnnxTensor.createTensor(env, mask);
            var t = ai.onnxruntime.OnnxTensor.createTensor(env, types);
            var out = session.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", t))) {
          float[][] hidden = ((float[][][]) out.get("last_hidden_state").orElseThrow().getValue())[0];
          float[] v = cached.get(r.getString(0));
          double[] mean = new double[hidden[0].length];
          for (float[] token : hidden) { // every token is real: one text, no padding
            for (int i = 0; i < mean.length; i++) {
              mean[i] += token[i] / hidden.length;
            }
          }
          double[] cls = new double[mean.length];
          for (int i = 0; i < cls.length; i++) {
            cls[i] = hidden[0][i];
          }
          // The int8 graph quantizes its activations per call over the whole (padded) batch, so a
          // vector depends on the batch it was encoded in by about 1e-2 per element: compare
          // directions. The cached vector is unit length and points along the [CLS] state, closer
          // to it than to the mean of the token states.
          double norm = Math.sqrt(dot(v, v));
          assertThat(norm).as(r.getString(0)).isCloseTo(1.0, within(1e-5));
          double toCls = cosine(v, cls);
          assertThat(toCls).as(r.getString(0)).isGreaterThan(0.99).isGreaterThan(cosine(v, mean));
        }
      }
    }
    assertMukaTargetsFromBothCaches(seed);
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  private static double cosine(float[] a, double[] b) {
    double ab = 0;
    double bb = 0;
    for (int i = 0; i < a.length; i++) {
      ab += a[i] * b[i];
      bb += b[i] * b[i];
    }
    return ab / Math.sqrt(dot(a, a) * bb);
  }

  private static String sha256(Path file) throws Exception {
    java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
    return java.util.HexFormat.of().formatHex(d.digest(Files.readAllBytes(file)));
  }
}
