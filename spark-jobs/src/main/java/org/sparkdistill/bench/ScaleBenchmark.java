package org.sparkdistill.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DataFormat;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.NearDuplicatePolicy;
import org.sparkdistill.config.StudentMode;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.PredictStage;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.ScoreStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.stage.TargetsStage;
import org.sparkdistill.stage.TrainStudentStage;
import org.sparkdistill.stage.TrainTeacherStage;

/**
 * {@code scale}: the stages after the encoder at growing sizes, to show that time grows linearly
 * with rows and that the driver's memory does not. For each size N, {@link SyntheticTexts}
 * generates N labelled texts, {@code prepare} splits them (the configuration's fractions and label
 * budget), a hashing stand-in for {@code encode} ({@link HashingEncodeStage}, {@code dim} floats
 * per row like the encoder's) makes the feature cache, and the real stages run on it: {@code
 * train-teacher} (the head, on the label budget), {@code score} (the head with its MC dropout
 * passes), {@code targets}, one epoch of {@code train-student} (KD, the configured trainer) and
 * {@code predict}. Each stage's time comes from its manifest, so a rerun resumes: finished sizes
 * and stages are reused with the times they took.
 *
 * <p>Per stage it prints seconds and microseconds per generated row at each size, the ratio of the
 * largest size's per-row time to the smallest's (linear scaling: about 1; a fixed cost per stage
 * makes it below 1), and the least-squares fit time = a + b·rows over all sizes. The most heap
 * this JVM had in use per size (sampled, garbage included) is printed beside the maximum heap: run
 * it with {@code DRIVER_MEMORY=1g} to show that 1M rows pass with a 1 GB driver (in local mode the
 * tasks share that heap too). Time per row is only comparable between sizes measured under the
 * same load: the figures of a reused size are those of the run that made it.
 *
 * <p>Each size runs in {@code <workDir>/scale/n<N>}, its generated data in {@code
 * <workDir>/scale/data/}. Cost: dominated by {@code train-student} (one epoch over the train and
 * transfer rows) and {@code predict}; about 10 minutes for 1M rows on 2 cores.
 */
public final class ScaleBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(ScaleBenchmark.class);

  /** The stages measured, in order; prepare and encode are set-up, reported but not the point. */
  static final List<String> STAGES =
      List.of(PrepareStage.NAME, EncodeStage.NAME, TrainTeacherStage.NAME, ScoreStage.NAME, TargetsStage.NAME, TrainStudentStage.NAME, PredictStage.NAME);

  /** One stage at one size. */
  public record Cell(String stage, double seconds, long outputRows, boolean reused) {}

  /**
   * One size: its cells, and this JVM's heap while its stages ran (bytes): the most in use,
   * garbage included, sampled every 50 ms, and the maximum ({@code -Xmx}).
   */
  public record Size(long rows, List<Cell> cells, long peakHeap, long maxHeap) {
    /** Every stage was reused from an earlier run, so the heap figure says nothing. */
    public boolean reused() {
      return cells.stream().allMatch(Cell::reused);
    }
  }

  private final StageContext base;
  private final int dim;
  private final long seed;

  /**
   * @param dim features per row (384: all-MiniLM-L6-v2's, so the cache is as wide as the real one)
   * @param seed seeds the generated texts and the hashing
   */
  public ScaleBenchmark(StageContext base, int dim, long seed) {
    this.base = base;
    this.dim = dim;
    this.seed = seed;
  }

  /** The configuration of size {@code rows}: the base one on the generated data, one student epoch. */
  DistillConfig config(long rows) {
    DistillConfig b = base.config();
    DistillConfig c = b.copy();
    Path root = new Path(b.workDir, "scale");
    String labelsKey = Long.toHexString(org.sparkdistill.udfs.student.StableHash.hash(String.join("\n", b.data.labels), 0)).substring(0, 8);
    c.workDir = new Path(root, "n" + rows).toString();
    c.outputs = new LinkedHashMap<>();
    c.data.format = DataFormat.PARQUET;
    c.data.path = new Path(new Path(root, "data"), "n" + rows + "-s" + seed + "-" + labelsKey).toString();
    c.data.columns = new DistillConfig.ColumnSettings();
    c.data.maxRows = 0;
    // Generated texts have no near-duplicates; the grouping pass would only add its cost.
    c.data.split.nearDuplicates = NearDuplicatePolicy.NONE;
    c.teacher.kind = TeacherKind.HEAD;
    c.student.mode = StudentMode.KD;
    c.student.epochs = 1;
    return c;
  }

  public List<Size> run(List<Long> sizes) {
    List<Size> out = new ArrayList<>();
    for (long rows : sizes) {
      DistillConfig c = config(rows);
      StageContext context = base.with(c).replacing(EncodeStage.NAME, ctx -> new HashingEncodeStage(ctx, dim, seed));
      int partitions = (int) Math.max(2, Math.min(200, rows / 100_000));
      base.spark().sparkContext().setJobGroup("scale", "scale: generating " + rows + " texts", false);
      SyntheticTexts.write(base.spark(), new Path(c.data.path), rows, seed, c.data.labels, partitions);
      base.spark().sparkContext().clearJobGroup();
      List<Cell> cells = new ArrayList<>();
      long peak;
      try (HeapSampler heap = new HeapSampler()) {
        for (String name : STAGES) {
          Stage stage = context.graph().stage(name);
          StageResult result = stage.run();
          System.out.println("n=" + rows + " " + result.summary());
          Object recorded = result.manifest().metrics().get("seconds");
          double seconds = result.skipped() && recorded instanceof Number n ? n.doubleValue() : result.seconds();
          cells.add(new Cell(name, seconds, result.manifest().rowCount(), result.skipped()));
        }
        peak = heap.peak();
      }
      Size size = new Size(rows, cells, peak, Runtime.getRuntime().maxMemory());
      LOG.info("scale n={}: peak heap {} MiB of {} MiB", rows, peak >> 20, size.maxHeap() >> 20);
      out.add(size);
    }
    return out;
  }

  /** The most heap in use while it is open, sampled every 50 ms on a daemon thread. */
  private static final class HeapSampler implements AutoCloseable {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    HeapSampler() {
      thread =
          new Thread(
              () -> {
                while (running) {
                  sample();
                  try {
                    Thread.sleep(50);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "scale-heap-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    private void sample() {
      peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
    }

    long peak() {
      sample();
      return peak.get();
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }

  /** Least-squares (a, b) of seconds = a + b·rows; b is NaN with fewer than two distinct sizes. */
  static double[] fit(long[] rows, double[] seconds) {
    int n = rows.length;
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += rows[i];
      my += seconds[i];
    }
    mx /= n;
    my /= n;
    double sxx = 0;
    double sxy = 0;
    for (int i = 0; i < n; i++) {
      sxx += (rows[i] - mx) * (rows[i] - mx);
      sxy += (rows[i] - mx) * (seconds[i] - my);
    }
    double b = sxx == 0 ? Double.NaN : sxy / sxx;
    return new double[] {my - b * mx, b};
  }

  /** The Markdown table: a row per stage, then the total of the stages after encode, then the heap. */
  public static String table(List<Size> sizes) {
    StringBuilder out = new StringBuilder();
    out.append("| stage |");
    for (Size s : sizes) {
      out.append(String.format(Locale.ROOT, " %,d rows: s (µs/row) |", s.rows()));
    }
    out.append(" per-row time, largest / smallest | fit: a (s) + b (µs/row) |\n|---|");
    out.append("---:|".repeat(sizes.size())).append("---:|---|\n");
    double[] measured = new double[sizes.size()];
    for (String stage : STAGES) {
      double[] t = sizes.stream().mapToDouble(s -> seconds(s, stage)).toArray();
      row(out, stage.equals(EncodeStage.NAME) ? "encode (hashing stand-in)" : stage, sizes, t);
      if (!stage.equals(PrepareStage.NAME) && !stage.equals(EncodeStage.NAME)) {
        for (int i = 0; i < t.length; i++) {
          measured[i] += t[i];
        }
      }
    }
    row(out, "**train-teacher to predict**", sizes, measured);
    out.append("| heap in use at most (garbage included) / max heap, MiB |");
    for (Size s : sizes) {
      out.append(s.reused() ? " (reused) |" : String.format(Locale.ROOT, " %d / %d |", s.peakHeap() >> 20, s.maxHeap() >> 20));
    }
    out.append(" | |\n");
    return out.toString();
  }

  private static void row(StringBuilder out, String label, List<Size> sizes, double[] seconds) {
    long[] rows = sizes.stream().mapToLong(Size::rows).toArray();
    out.append("| ").append(label).append(" |");
    for (int i = 0; i < rows.length; i++) {
      out.append(String.format(Locale.ROOT, " %.1f (%.1f) |", seconds[i], 1e6 * seconds[i] / rows[i]));
    }
    int last = rows.length - 1;
    double ratio = (seconds[last] / rows[last]) / (seconds[0] / rows[0]);
    double[] ab = fit(rows, seconds);
    out.append(String.format(Locale.ROOT, " %.2f | %s |\n", ratio, Double.isNaN(ab[1]) ? "-" : String.format(Locale.ROOT, "%.1f + %.2f", ab[0], 1e6 * ab[1])));
  }

  private static double seconds(Size size, String stage) {
    return size.cells().stream().filter(c -> c.stage().equals(stage)).mapToDouble(Cell::seconds).sum();
  }
}
