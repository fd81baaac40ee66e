package org.sparkdistill.stage;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.OutputLock;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;

/**
 * A step of the chain: reads its inputs and their manifests, writes one output and publishes its
 * manifest last. {@link #run()} holds the rules every stage shares:
 *
 * <ul>
 *   <li>a finished output with the same plan (fingerprint) is reused, not recomputed;
 *   <li>a finished output with another plan is refused, naming what changed, unless {@code
 *       --overwrite}, which writes a new run directory and swaps the manifest atomically;
 *   <li>data goes to a fresh {@code run-<id>} directory through Spark's commit protocol (a retried
 *       task leaves no duplicate), row counts come from the written files, and leftovers of failed
 *       runs are removed;
 *   <li>one writer per output: a run holds the output's {@link OutputLock} while it writes; a
 *       second run is refused, naming the owner, and re-checks the manifest once it holds the lock;
 *   <li>Spark work runs under a job group named after the stage, so the UI says what runs.
 * </ul>
 */
public abstract class Stage {
  private static final Logger LOG = LoggerFactory.getLogger(Stage.class);
  private static final DateTimeFormatter RUN_ID =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** How often a running stage refreshes its output lock ({@code -Dspark.distill.lock.heartbeatSeconds}, default 30). */
  static final java.time.Duration LOCK_HEARTBEAT = java.time.Duration.ofSeconds(Long.getLong("spark.distill.lock.heartbeatSeconds", 30));
  /** A lock without a heartbeat for this long is taken over ({@code -Dspark.distill.lock.timeoutSeconds}, default 600). */
  static final java.time.Duration LOCK_TIMEOUT = java.time.Duration.ofSeconds(Long.getLong("spark.distill.lock.timeoutSeconds", 600));

  protected final StageContext context;

  protected Stage(StageContext context) {
    this.context = context;
  }

  /** The stage's name: its CLI subcommand and its directory under the work directory. */
  public abstract String name();

  /** What the Spark UI shows while the stage runs. */
  protected abstract String description();

  /**
   * Reads and checks the inputs' manifests and settings, and returns what this run would compute.
   * Must fail here, before any work, on missing or mismatched inputs.
   */
  public abstract StagePlan plan();

  /** Writes the output's files into {@code runDir}. */
  protected abstract StageWrite write(Path runDir, StagePlan plan);

  public StageOutput output() {
    return context.output(name());
  }

  /** Runs the stage under the shared rules above. */
  public final StageResult run() {
    StageOutput output = output();
    StagePlan plan = context.graph().planOf(this);
    Optional<StageResult> reused = reuse(output, plan, true);
    if (reused.isPresent()) {
      return reused.get();
    }
    String runId = RUN_ID.format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 8);
    try (OutputLock lock =
        OutputLock.acquire(output.dir(), runId + " of stage " + name(), context.spark().sparkContext().hadoopConfiguration(), LOCK_HEARTBEAT, LOCK_TIMEOUT)) {
      // Another run may have finished this output while this one waited to start.
      reused = reuse(output, plan, false);
      return reused.isPresent() ? reused.get() : write(output, plan, runId);
    }
  }

  /**
   * The finished output when it can be reused; refuses one made from another plan unless
   * --overwrite. {@code announce}: log what happens to an output that is rebuilt or replaced (the
   * check runs again under the lock, without repeating the message).
   */
  private Optional<StageResult> reuse(StageOutput output, StagePlan plan, boolean announce) {
    Optional<Manifest> existing = output.manifest();
    boolean forced = context.rebuild().contains(name());
    if (existing.isPresent() && forced) {
      if (announce) {
        LOG.info("{}: rebuilding {} (--rebuild)", name(), output.dir());
      }
    } else if (existing.isPresent()) {
      if (existing.get().fingerprint().equals(plan.fingerprint())) {
        LOG.info("{}: output {} is up to date, skipping", name(), output.dir());
        return Optional.of(new StageResult(name(), output.dir().toString(), true, 0, existing.get()));
      }
      if (!context.overwrite()) {
        throw new OutputConflictException(name(), output.dir().toString(), plan.differences(existing.get()));
      }
      if (announce) {
        LOG.info("{}: replacing {} (--overwrite): {}", name(), output.dir(), plan.differences(existing.get()));
      }
    }
    return Optional.empty();
  }

  private StageResult write(StageOutput output, StagePlan plan, String runId) {
    String fingerprint = plan.fingerprint();
    output.removeUnlistedRuns();
    Path runDir = output.newRunDir(runId);
    long start = System.nanoTime();
    SparkContext sc = context.spark().sparkContext();
    sc.setJobGroup("spark-distill:" + name(), description(), false);
    StageWrite written;
    try {
      written = write(runDir, plan);
    } finally {
      sc.clearJobGroup();
    }
    List<String> files = output.listDataFiles(runDir);
    long rows = output.countRows(files);
    double seconds = (System.nanoTime() - start) / 1e9;
    written.metrics().put("seconds", Math.round(seconds * 10) / 10.0);
    Manifest manifest =
        new Manifest(
            CacheSchemas.VERSION,
            name(),
            fingerprint,
            runId,
            Instant.now().toString(),
            plan.inputs(),
            plan.models(),
            plan.settings(),
            plan.labels(),
            rows,
            written.splitCounts(),
            written.truncatedCount(),
            files,
            written.metrics());
    output.publish(manifest);
    StageResult result = new StageResult(name(), output.dir().toString(), false, seconds, manifest);
    LOG.info("{}: published {} ({} rows, {} files) in {} s", name(), output.manifestPath(), rows, files.size(), Math.round(seconds));
    return result;
  }

  /**
   * The finished output of the stage {@code name} of this configuration, checked against what the
   * configuration says now ({@link StageGraph#input}).
   */
  protected final StageInput input(String name) {
    return context.graph().input(name);
  }

  /** The finished output of {@code upstream} (a stage the graph need not list), matching its plan. */
  protected final StageInput input(Stage upstream) {
    return context.graph().input(upstream);
  }

  /**
   * Rows per split and truncated rows of freshly written Parquet data, counted from the files
   * (data without a split column counts under "all").
   */
  protected StageWrite countWritten(Path runDir, boolean hasTruncated) {
    Dataset<Row> data = context.spark().read().parquet(runDir.toString());
    if (!java.util.Arrays.asList(data.columns()).contains(Columns.SPLIT)) {
      data = data.withColumn(Columns.SPLIT, functions.lit("all"));
    }
    java.util.Map<String, Long> counts = new java.util.TreeMap<>();
    long truncated = 0;
    Dataset<Row> grouped =
        hasTruncated
            ? data.groupBy(Columns.SPLIT)
                .agg(functions.count(functions.lit(1)), functions.sum(functions.col(Columns.TRUNCATED).cast("long")))
            : data.groupBy(Columns.SPLIT).agg(functions.count(functions.lit(1)), functions.lit(0L));
    for (Row row : grouped.collectAsList()) {
      counts.put(row.getString(0), row.getLong(1));
      truncated += row.isNullAt(2) ? 0 : row.getLong(2);
    }
    return StageWrite.of(counts, truncated);
  }
}
