package org.sparkdistill.stage;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.StageOutput;

/**
 * What every stage of one run shares: the session, the validated configuration, whether finished
 * outputs with other inputs or settings may be replaced, and the {@link StageGraph} through which
 * stages reach the outputs they read (each stage's plan computed once per context).
 */
public final class StageContext {
  private final SparkSession spark;
  private final DistillConfig config;
  private final boolean overwrite;
  private final java.util.Set<String> rebuild;
  private final StageGraph graph;
  private final java.util.Map<String, java.util.function.Function<StageContext, Stage>> replacements;

  /**
   * @param overwrite replace an existing output whose plan differs (atomically) instead of refusing
   */
  public StageContext(SparkSession spark, DistillConfig config, boolean overwrite) {
    this(spark, config, overwrite, java.util.Set.of());
  }

  /**
   * @param rebuild stages that recompute even when up to date ({@code --rebuild}, see {@link Rebuild})
   */
  public StageContext(SparkSession spark, DistillConfig config, boolean overwrite, java.util.Set<String> rebuild) {
    this(spark, config, overwrite, rebuild, java.util.Map.of());
  }

  private StageContext(
      SparkSession spark, DistillConfig config, boolean overwrite, java.util.Set<String> rebuild, java.util.Map<String, java.util.function.Function<StageContext, Stage>> replacements) {
    this.spark = spark;
    this.config = config;
    this.overwrite = overwrite;
    this.rebuild = java.util.Set.copyOf(rebuild);
    this.replacements = java.util.Map.copyOf(replacements);
    this.graph = new StageGraph(this);
  }

  private StageContext(StageContext parent, DistillConfig config) {
    this.spark = parent.spark;
    this.config = config;
    this.overwrite = parent.overwrite;
    this.rebuild = parent.rebuild;
    this.replacements = parent.replacements;
    this.graph = new StageGraph(this, parent.graph);
  }

  /**
   * The same run with the stage named {@code stage} built by {@code factory} instead of the
   * built-in one (e.g. the {@code scale} benchmark's hashing stand-in for {@code encode}). The
   * replacement keeps the name, so downstream stages check its output against its own plan; it
   * must record in that plan whatever distinguishes its output, so a built-in stage never takes
   * it for its own.
   */
  public StageContext replacing(String stage, java.util.function.Function<StageContext, Stage> factory) {
    java.util.Map<String, java.util.function.Function<StageContext, Stage>> all = new java.util.HashMap<>(replacements);
    all.put(stage, factory);
    return new StageContext(spark, config, overwrite, rebuild, all);
  }

  /** The factory replacing the built-in stage {@code stage}, or {@code builtIn}. */
  java.util.function.Function<StageContext, Stage> replacementOr(String stage, java.util.function.Function<StageContext, Stage> builtIn) {
    return replacements.getOrDefault(stage, builtIn);
  }

  /** Stages that recompute even when up to date ({@code --rebuild}). */
  public java.util.Set<String> rebuild() {
    return rebuild;
  }

  /** The same session, flags and rebuild set with another configuration (its own stage graph). */
  public StageContext with(DistillConfig other) {
    return new StageContext(spark, other, overwrite, rebuild, replacements);
  }

  public SparkSession spark() {
    return spark;
  }

  public DistillConfig config() {
    return config;
  }

  public boolean overwrite() {
    return overwrite;
  }

  /** The stages of this configuration and their outputs. */
  public StageGraph graph() {
    return graph;
  }

  /** The same run with the student stages in {@code mode}. */
  public StageContext withStudentMode(org.sparkdistill.config.StudentMode mode) {
    return new StageContext(this, config.withStudentMode(mode));
  }

  /** The output directory of {@code stage}: {@code outputs.<stage>}, else under the work directory. */
  public StageOutput output(String stage) {
    String dir = config.outputs.getOrDefault(stage, new Path(config.workDir, stage).toString());
    return new StageOutput(dir, spark.sparkContext().hadoopConfiguration());
  }

  /**
   * The output of a stage that runs once per {@code student.mode}: {@code <base>-<mode>} (e.g.
   * {@code student-kd}, {@code evaluation-labels}), so both students of a run keep their outputs.
   */
  public StageOutput modeOutput(String base) {
    return output(base + "-" + config.student.mode);
  }
}
