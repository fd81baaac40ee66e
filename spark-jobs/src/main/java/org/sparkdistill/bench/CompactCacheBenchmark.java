package org.sparkdistill.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.evaluate.MeanStd;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.stage.CachedFeatures;
import org.sparkdistill.stage.Chain;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.EvaluateStage;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.ScoreStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageInput;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.stage.TargetsStage;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.FeatureStorage;

/**
 * The {@code cache} section of {@code benchmark}: what {@code cache.features: int8} saves and
 * costs, on the configuration's real data, through the real stages. For each storage (float32,
 * int8) and seed (teacher.seed = student.seed = the seed) it runs the whole chain (prepare,
 * encode, train-teacher, score, targets, train-student, predict, evaluate) under {@code
 * <workDir>/compact-cache-bench/<storage>/seed-<n>}, sharing the prepare output of the
 * configuration and one encode output per storage (float32: the configuration's own {@code
 * encode}, so a finished pipeline is reused), and prints:
 *
 * <ul>
 *   <li>bytes per row of the encode and score outputs (all listed Parquet files / rows), int8 vs
 *       float32 and vs the raw 4·d bytes of the vectors;
 *   <li>the int8 layout alternatives measured on the same rows: binary + float scale (the layout
 *       used) against {@code array<byte>} + float scale, written by the same Parquet writer;
 *   <li>teacher and student test accuracy per seed and mean ± std, float32 beside int8;
 *   <li>the targets stage's seconds (the method's fit + transform + write: LELP's fit for a LELP
 *       configuration), float32 beside int8.
 * </ul>
 *
 * Every stage is resumable: a rerun reuses finished outputs, so a stopped benchmark continues.
 * Cost: one encode per storage (the encoder dominates) plus a full chain per storage and seed.
 */
public final class CompactCacheBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(CompactCacheBenchmark.class);

  /** One chain's figures. */
  public record Run(FeatureStorage storage, long seed, double teacherTest, double studentTest, double targetsSeconds, double fitSeconds, double scoreBytesPerRow, double encodeBytesPerRow, int dimension) {}

  private final SparkSession spark;
  private final boolean overwrite;

  public CompactCacheBenchmark(SparkSession spark, boolean overwrite) {
    this.spark = spark;
    this.overwrite = overwrite;
  }

  /** The configuration of one (storage, seed) chain of {@code base}. */
  public DistillConfig chainConfig(DistillConfig base, FeatureStorage storage, long seed) {
    StageContext own = new StageContext(spark, base, overwrite);
    String root = new Path(base.workDir, "compact-cache-bench").toString();
    DistillConfig c = base.copy();
    c.cache.features = storage;
    c.teacher.seed = seed;
    c.student.seed = seed;
    c.evaluate.speed = false; // throughput is not what this section measures
    c.workDir = root + "/" + storage.value() + "/seed-" + seed;
    c.outputs.put(PrepareStage.NAME, own.output(PrepareStage.NAME).dir().toString());
    c.outputs.put(EncodeStage.NAME, storage == FeatureStorage.FLOAT32 ? own.output(EncodeStage.NAME).dir().toString() : root + "/int8/encode");
    return c;
  }

  /**
   * A LELP student on the teacher outputs of the (storage, seed) chain of {@code base}: {@code
   * targets.*} (method and settings) from {@code lelp} (e.g. conf/lelp-debian4.yaml), everything
   * else from the chain, under {@code <chain workDir>/lelp}. Only targets (LELP's fit and
   * transform over the score cache), train-student, predict and evaluate run.
   */
  public DistillConfig lelpConfig(DistillConfig base, DistillConfig lelp, FeatureStorage storage, long seed) {
    DistillConfig chain = chainConfig(base, storage, seed);
    StageContext teacher = new StageContext(spark, chain, overwrite);
    DistillConfig c = chain.copy();
    for (String stage : List.of(PrepareStage.NAME, EncodeStage.NAME, org.sparkdistill.stage.TrainTeacherStage.NAME, ScoreStage.NAME)) {
      c.outputs.put(stage, teacher.output(stage).dir().toString());
    }
    c.workDir = new Path(chain.workDir, "lelp").toString();
    c.targets = lelp.copy().targets;
    return c;
  }

  Run run(DistillConfig base, FeatureStorage storage, long seed) {
    return runChain(chainConfig(base, storage, seed), storage, seed);
  }

  @SuppressWarnings("unchecked")
  Run runChain(DistillConfig config, FeatureStorage storage, long seed) {
    StageContext context = new StageContext(spark, config, overwrite);
    double teacher = Double.NaN;
    double student = Double.NaN;
    double targetsSeconds = Double.NaN;
    double fitSeconds = Double.NaN;
    List<Stage> stages = new ArrayList<>(Chain.teacher(context));
    stages.addAll(Chain.student(context));
    for (Stage stage : stages) {
      spark.sparkContext().setJobGroup("benchmark-cache", "compact cache benchmark: " + storage.value() + " seed " + seed + " " + stage.name(), false);
      StageResult result = stage.run();
      Map<String, Object> m = result.manifest().metrics();
      if (stage.name().equals(TargetsStage.NAME)) {
        targetsSeconds = ((Number) m.get("seconds")).doubleValue();
        fitSeconds = m.get("lelpFitSeconds") instanceof Number n ? n.doubleValue() : Double.NaN; // LELP's own timing of its fit
      }
      if (stage instanceof EvaluateStage) {
        student = ((Number) ((Map<String, Object>) m.get("student")).get("accuracy")).doubleValue();
        teacher = ((Number) ((Map<String, Object>) m.get("teacher")).get("accuracy")).doubleValue();
      }
    }
    StageInput encode = context.graph().input(EncodeStage.NAME);
    StageInput score = context.graph().input(ScoreStage.NAME);
    Object dim = encode.manifest().metrics().get(CachedFeatures.DIMENSION_METRIC);
    int d = dim instanceof Number n ? n.intValue() : CachedFeatures.read(encode, CacheSchemas.features()).first().getList(3).size();
    Run run = new Run(storage, seed, teacher, student, targetsSeconds, fitSeconds, bytesPerRow(score), bytesPerRow(encode), d);
    LOG.info("compact cache benchmark: {}", run);
    return run;
  }

  /** All listed Parquet bytes of an output over its rows. */
  static double bytesPerRow(StageInput input) {
    Manifest m = input.manifest();
    long bytes = 0;
    try {
      FileSystem fs = input.output().dir().getFileSystem(input.spark().sparkContext().hadoopConfiguration());
      for (String file : m.files()) {
        if (file.endsWith(".parquet")) {
          bytes += fs.getFileStatus(new Path(input.output().dir(), file)).getLen();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot size the files of " + input.output().dir(), e);
    }
    return m.rowCount() == 0 ? 0 : (double) bytes / m.rowCount();
  }

  /** {@code features_int8} as {@code array<byte>} instead of {@code binary}. */
  private static final class AsByteArray implements MapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final int column;

    AsByteArray(int column) {
      this.column = column;
    }

    @Override
    public Row call(Row row) {
      Object[] values = new Object[row.length()];
      for (int i = 0; i < values.length; i++) {
        values[i] = row.get(i);
      }
      byte[] q = (byte[]) values[column];
      Byte[] boxed = new Byte[q.length];
      for (int i = 0; i < q.length; i++) {
        boxed[i] = q[i];
      }
      values[column] = boxed; // RowEncoder takes a JVM array (or a scala Seq) for array<byte>
      return RowFactory.create(values);
    }
  }

  /** Bytes per row of the int8 encode rows written as binary and as array<byte> (same writer, same partitions). */
  double[] layouts(StageInput int8Encode, java.nio.file.Path scratch) {
    StructType stored = CacheSchemas.stored(CacheSchemas.features(), FeatureStorage.INT8);
    Dataset<Row> rows = int8Encode.read(stored).repartition(4, org.apache.spark.sql.functions.col(Columns.ID)).cache();
    long n = rows.count();
    StructField[] fields = stored.fields().clone();
    int column = stored.fieldIndex(Columns.FEATURES_INT8);
    fields[column] = DataTypes.createStructField(Columns.FEATURES_INT8, DataTypes.createArrayType(DataTypes.ByteType, false), false);
    String binary = scratch.resolve("int8-binary").toString();
    String array = scratch.resolve("int8-array").toString();
    rows.write().parquet(binary);
    rows.map(new AsByteArray(column), Encoders.row(new StructType(fields))).write().parquet(array);
    rows.unpersist();
    return new double[] {directoryBytes(binary) / (double) n, directoryBytes(array) / (double) n};
  }

  private long directoryBytes(String dir) {
    try {
      Path path = new Path(dir);
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      long total = 0;
      for (var status : fs.listStatus(path)) {
        if (status.getPath().getName().endsWith(".parquet")) {
          total += status.getLen();
        }
      }
      return total;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot size " + dir, e);
    }
  }

  /**
   * Runs every (storage, seed) chain of {@code base} and returns the printed report.
   *
   * @param name how the report names the configuration
   */
  public List<String> report(DistillConfig base, String name, List<Long> seeds, java.nio.file.Path scratch) {
    List<Run> float32 = new ArrayList<>();
    List<Run> int8 = new ArrayList<>();
    for (long seed : seeds) { // seed by seed, both storages: a stopped run has paired cells
      float32.add(run(base, FeatureStorage.FLOAT32, seed));
      int8.add(run(base, FeatureStorage.INT8, seed));
    }
    List<String> out = new ArrayList<>();
    int d = float32.get(0).dimension();
    double raw = 4.0 * d;
    out.add(String.format(Locale.ROOT, "Compact cache (cache.features), %s, %s, seeds %s:", name, base.targets.method, seeds));
    out.add("| output | float32 bytes/row | int8 bytes/row | int8 / float32 | float32 / raw | int8 / raw (raw = 4 x d = " + (int) raw + ") |");
    out.add("|---|---:|---:|---:|---:|---:|");
    double e32 = float32.get(0).encodeBytesPerRow();
    double e8 = int8.get(0).encodeBytesPerRow();
    double s32 = MeanStd.of(float32.stream().mapToDouble(Run::scoreBytesPerRow).toArray()).mean();
    double s8 = MeanStd.of(int8.stream().mapToDouble(Run::scoreBytesPerRow).toArray()).mean();
    out.add(String.format(Locale.ROOT, "| encode | %.1f | %.1f | %.3f | %.3f | %.3f |", e32, e8, e8 / e32, e32 / raw, e8 / raw));
    out.add(String.format(Locale.ROOT, "| score | %.1f | %.1f | %.3f | %.3f | %.3f |", s32, s8, s8 / s32, s32 / raw, s8 / raw));
    StageInput int8Encode = new StageContext(spark, chainConfig(base, FeatureStorage.INT8, seeds.get(0)), overwrite).graph().input(EncodeStage.NAME);
    double[] layouts = layouts(int8Encode, scratch.resolve(name.replaceAll("[^A-Za-z0-9.-]", "_")));
    out.add(String.format(Locale.ROOT,
        "int8 layout, the same encode rows rewritten by one Parquet writer: binary + float scale %.1f bytes/row, array<byte> + float scale %.1f bytes/row (%.2fx)",
        layouts[0], layouts[1], layouts[1] / layouts[0]));
    out.add("| figure | float32 | int8 | int8 - float32 | per seed float32 / int8 |");
    out.add("|---|---:|---:|---:|---|");
    out.add(row("teacher test accuracy", float32, int8, Run::teacherTest, "%.4f"));
    out.add(row("student test accuracy (" + base.targets.method + " targets)", float32, int8, Run::studentTest, "%.4f"));
    out.add(row("targets stage seconds (" + base.targets.method + " fit + transform + write)", float32, int8, Run::targetsSeconds, "%.1f"));
    return out;
  }

  /**
   * LELP students ({@link #lelpConfig}) on the teacher outputs of every (storage, seed) chain of
   * {@code base}; returns the printed report: the targets stage's seconds (LELP's fit, transform
   * and write) and the LELP student's test accuracy, float32 beside int8.
   */
  public List<String> lelpReport(DistillConfig base, DistillConfig lelp, String name, List<Long> seeds) {
    List<Run> float32 = new ArrayList<>();
    List<Run> int8 = new ArrayList<>();
    for (long seed : seeds) {
      float32.add(runChain(lelpConfig(base, lelp, FeatureStorage.FLOAT32, seed), FeatureStorage.FLOAT32, seed));
      int8.add(runChain(lelpConfig(base, lelp, FeatureStorage.INT8, seed), FeatureStorage.INT8, seed));
    }
    DistillConfig.LelpSettings l = lelp.targets.lelp;
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT,
        "Compact cache, LELP on the teachers above (targets.* of %s: %s, S = %d, beta = %s, tau = %s, null space %s), seeds %s:",
        name, lelp.targets.method, l.subclasses, l.subclassTemperature, l.teacherTemperature, l.nullSpace, seeds));
    out.add("| figure | float32 | int8 | int8 - float32 | per seed float32 / int8 |");
    out.add("|---|---:|---:|---:|---|");
    out.add(row("targets stage seconds (" + lelp.targets.method + " fit + transform + write)", float32, int8, Run::targetsSeconds, "%.1f"));
    out.add(row("LELP fit seconds (manifest lelpFitSeconds: the one pass over the score cache + eigendecompositions)", float32, int8, Run::fitSeconds, "%.1f"));
    out.add(row("student test accuracy (" + lelp.targets.method + " targets)", float32, int8, Run::studentTest, "%.4f"));
    return out;
  }

  private static String row(String label, List<Run> a, List<Run> b, java.util.function.ToDoubleFunction<Run> f, String digits) {
    MeanStd x = MeanStd.of(a.stream().mapToDouble(f).toArray());
    MeanStd y = MeanStd.of(b.stream().mapToDouble(f).toArray());
    StringBuilder seeds = new StringBuilder();
    for (int i = 0; i < a.size(); i++) {
      seeds.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, digits + " / " + digits, f.applyAsDouble(a.get(i)), f.applyAsDouble(b.get(i))));
    }
    return String.format(Locale.ROOT, "| %s | %s | %s | %+.4f | %s |", label, x.format(), y.format(), y.mean() - x.mean(), seeds);
  }
}
