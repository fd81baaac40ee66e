package org.sparkdistill.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration of a run, bound from YAML ({@code conf/*.yaml}) with command-line
 * overrides ({@code --set encoder.maxLength=64}). Every field has a default; {@link
 * ConfigLoader} validates the result before any stage starts.
 */
public final class DistillConfig {
  /** Root of every stage output; pin it per scheduled run (e.g. {@code .../ds=2026-11-22}). */
  public String workDir = "work/default";

  /**
   * Output directory per stage name, overriding {@code <workDir>/<stage>}: e.g. point {@code
   * encode} of several runs (label budgets, seeds, heads) at one shared encoding of the same texts.
   */
  public Map<String, String> outputs = new LinkedHashMap<>();

  public SparkSettings spark = new SparkSettings();
  public DataSettings data = new DataSettings();
  public EncoderSettings encoder = new EncoderSettings();
  public TeacherSettings teacher = new TeacherSettings();
  public ScoreSettings score = new ScoreSettings();
  public TargetSettings targets = new TargetSettings();
  public StudentSettings student = new StudentSettings();
  public PredictSettings predict = new PredictSettings();
  public EvaluateSettings evaluate = new EvaluateSettings();
  public CurveSettings curve = new CurveSettings();
  public BaselineSettings baseline = new BaselineSettings();
  public SweepSettings sweep = new SweepSettings();

  /** A deep copy, to derive the configuration of another scenario or student mode. */
  public DistillConfig copy() {
    return new com.fasterxml.jackson.databind.ObjectMapper().convertValue(this, DistillConfig.class);
  }

  /** A copy whose student stages train in {@code mode} ({@code kd} or {@code labels}). */
  public DistillConfig withStudentMode(String mode) {
    DistillConfig c = copy();
    c.student.mode = mode;
    return c;
  }

  /** Spark session settings, used only where spark-submit has not set them already. */
  public static final class SparkSettings {
    /** Master for runs outside spark-submit; ignored when {@code spark.master} is already set. */
    public String master = "local[2]";

    public String appName = "spark-distill";
    /** Extra Spark properties applied when the session is created here. */
    public Map<String, String> conf = new LinkedHashMap<>();
  }

  /** Where the raw examples come from and how they are split. */
  public static final class DataSettings {
    /**
     * {@code debian-jsonl}, {@code imdb-json} (both parsed on the driver: files up to a few hundred
     * MB) or {@code parquet} (read with Spark). See {@code org.sparkdistill.data.ExamplePreparer}.
     */
    public String format = "debian-jsonl";
    /** File or directory of the raw data. */
    public String path = "data/debian/debian-sections-20.jsonl.gz";
    /** The label set, in class-index order. A label outside it is an error naming the row. */
    public List<String> labels = new ArrayList<>();
    /** Column names of a {@code parquet} source. */
    public ColumnSettings columns = new ColumnSettings();
    /** Keep at most this many rows (seeded sample after deduplication); 0 keeps all. */
    public int maxRows = 0;

    public SplitSettings split = new SplitSettings();
  }

  /**
   * Column names of a user's Parquet dataset. id: string, int or long, unique; text: non-blank
   * UTF-8 string; label: string, required on every row and one of {@code data.labels} (unlabelled
   * rows are an error, not transfer data).
   */
  public static final class ColumnSettings {
    public String id = "id";
    public String text = "text";
    public String label = "label";
    /**
     * Rows sharing a group value always land in one split (Debian: the source package), so near
     * duplicate texts cannot leak between train and test. Empty: each row is its own group.
     */
    public String group = "";
  }

  /** Seeded split into train (labelled), validation, transfer (labels removed) and test. */
  public static final class SplitSettings {
    /** Seeds the test / validation / pool assignment of groups, and the {@code maxRows} sample. */
    public long seed = 42;
    /**
     * Seeds which pool rows are labelled (train) and which become transfer; null: {@link #seed}.
     * Varying it alone keeps test and validation fixed (learning curves over label draws).
     */
    public Long labelSeed = null;
    public double testFraction = 0.2;
    public double validationFraction = 0.1;
    /**
     * Labelled texts per class kept in the train split; the rest of the pool becomes the transfer
     * split. 0: use {@link #transferFraction} instead.
     */
    public int labelledPerClass = 50;
    /** Share of the pool moved to the transfer split when {@code labelledPerClass} is 0. */
    public double transferFraction = 0.5;
    /**
     * Labelled validation rows per class that model selection (early stopping of the teacher head
     * and of every student, the {@code sweep}) may see; the other validation rows keep their split
     * but lose their label (unused). null: the label budget, {@link #labelledPerClass} (every
     * validation label when that is 0); 0: every validation label (more labels than the budget:
     * only for comparisons with older runs). Chosen per label by {@code hash("validation",
     * labelSeed, id)}, so a label draw also draws its validation set.
     */
    public Integer validationPerClass = null;
    /**
     * Near-duplicate grouping before the split: {@code first-paragraph} merges the groups of rows
     * whose normalised first paragraph (Debian: of the long description; lowercased, runs of
     * non-letters/digits as one space) is longer than {@link #nearDuplicateMinChars} and equal,
     * transitively, so such rows share test, validation or the pool; {@code none}: the configured
     * groups alone. Cost: one job collecting (group, key digest) pairs to the driver, a union-find
     * there, and a broadcast join.
     */
    public String nearDuplicates = "first-paragraph";
    /** Shortest normalised first paragraph (characters) that links rows as near duplicates. */
    public int nearDuplicateMinChars = 80;

    /** Labelled validation rows per class kept; 0: all of them. */
    public int effectiveValidationPerClass() {
      return validationPerClass == null ? labelledPerClass : validationPerClass;
    }

    /** The seed of the labelled / transfer draw. */
    public long effectiveLabelSeed() {
      return labelSeed == null ? seed : labelSeed;
    }
  }

  /** The frozen ONNX sentence encoder. */
  public static final class EncoderSettings {
    public String model = "target/models/all-minilm-l6-v2/all-minilm-l6-v2.onnx";
    public String tokenizer = "target/models/all-minilm-l6-v2/all-minilm-l6-v2-tokenizer.json";
    /** Set explicitly; the MiniLM tokenizer.json would otherwise truncate at 128 silently. */
    public int maxLength = 128;

    public boolean truncation = true;
    /** {@code mean} or {@code cls}. */
    public String pooling = "mean";

    public boolean normalize = true;
    /** Texts per ONNX call. */
    public int batchSize = 32;
    /** ONNX Runtime threads per task; size to the cores of one task slot. */
    public int intraOpThreads = 1;
    /** {@code auto}, {@code cpu} or {@code gpu}. */
    public String device = "auto";
    /** Partitions of the encode stage; 0: Spark's default parallelism. */
    public int partitions = 0;
  }

  /** The teacher: a trained head over the encoder, or a whole TorchScript model. */
  public static final class TeacherSettings {
    /** {@code head} (encoder + trained dropout/linear head) or {@code torchscript}. */
    public String kind = "head";
    /** TorchScript file for {@code kind: torchscript}; see docs/teacher-contract in the README. */
    public String torchscript = "";
    /** Tokenizer for the TorchScript teacher; defaults to the encoder's. */
    public String torchscriptTokenizer = "";

    public double dropout = 0.1;
    public int epochs = 200;
    public int batchSize = 32;
    public double learningRate = 0.01;
    public double weightDecay = 1e-4;
    /** Epochs without a better validation accuracy before training stops. */
    public int patience = 20;

    public long seed = 13;
  }

  /** Monte-Carlo-dropout scoring. */
  public static final class ScoreSettings {
    /** K: passes with dropout on per row. */
    public int mcPasses = 16;
    /** Seed of the dropout masks; masks derive from (row id, pass, seed). */
    public long seed = 2024;
    /** Rows per batch for the TorchScript teacher. */
    public int batchSize = 32;
  }

  /** The targets stage: which method turns the teacher cache into training targets. */
  public static final class TargetSettings {
    /** {@code kd}: softmax(logits / temperature) (Hinton et al.). LELP and MUKA plug in here. */
    public String method = "kd";
    /** T of plain KD; the student's KL term uses the same T and is scaled by T². */
    public double temperature = 2.0;
  }

  /** The student and its training. */
  public static final class StudentSettings {
    /**
     * {@code kd}: labels + teacher targets on the train and transfer splits; {@code labels}: the
     * same student on the labelled train split alone (the baseline).
     */
    public String mode = "kd";
    /** Weight of the cross-entropy on true labels; (1 - alpha) weighs the T²-scaled KL term. */
    public double alpha = 0.5;

    public int buckets = 32768;
    public int embeddingDim = 64;
    /** 0: embedding bag straight into the output layer. */
    public int hiddenDim = 0;

    public double dropout = 0.5;
    public int maxNgram = 2;
    public int maxTokens = 256;
    public long hashSeed = 17;
    public int epochs = 40;
    /** Rows per step in {@code kd} mode (train + transfer: thousands of rows). */
    public int batchSize = 128;
    /**
     * Rows per step in {@code labels} mode, which trains on ~10x fewer rows: smaller batches give
     * it the steps it needs (chosen on validation, like every student setting; see the README).
     */
    public int labelsOnlyBatchSize = 32;

    public double learningRate = 0.01;
    public double weightDecay = 0.0;
    /** Epochs without a better validation accuracy before training stops. */
    public int patience = 5;

    public long seed = 5;
    /** Resume from the latest checkpoint of the same configuration, if any. */
    public boolean resume = true;
  }

  /** The predict stage. */
  public static final class PredictSettings {
    /** Parquet dataset to predict; empty: the prepared examples of this run. */
    public String input = "";
    /** Id and text columns of {@code input}. */
    public String idColumn = "id";

    public String textColumn = "text";
    public int batchSize = 64;
  }

  /** The learning curve: teacher, labels-only student and KD student per label budget and seed. */
  public static final class CurveSettings {
    public List<Integer> labelsPerClass = new ArrayList<>(List.of(10, 25, 50));
    public List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L));
  }

  /**
   * The TF-IDF + logistic-regression baseline student (Spark MLlib), trained beside the n-gram
   * student on the same targets and scored on the same test split; see {@code
   * org.sparkdistill.baseline.TfidfStudentStage}.
   */
  public static final class BaselineSettings {
    /** Train it in the learning curve (labels-only and KD rows). */
    public boolean enabled = true;
    /**
     * Hashed term space of word 1..{@link #maxNgram}-grams; the model has C × numFeatures weights,
     * shipped to and from the data every L-BFGS iteration.
     */
    public int numFeatures = 1 << 16;
    /** Longest word n-gram (1: unigrams; 2: unigrams and bigrams). */
    public int maxNgram = 2;
    /** Terms in fewer training texts get IDF 0. */
    public int minDocFreq = 1;
    /** L2 penalties tried; the one with the best validation accuracy is kept. */
    public List<Double> regParams = new ArrayList<>(List.of(1e-6, 1e-5, 1e-4));
    /** L-BFGS iterations per fit. */
    public int maxIter = 100;
    /** KD mode: the teacher's top-k classes per text become weighted rows (renormalised to sum 1). */
    public int topK = 3;
  }

  /**
   * The {@code sweep}: per learning-curve cell, the teacher head's and each student's settings
   * chosen on the cell's labelled validation rows (never test) over this grid; the curve then runs
   * each cell with its choices. See {@code org.sparkdistill.curve.Sweep}.
   */
  public static final class SweepSettings {
    /** The curve runs the sweep first and uses its choices; false: the configured settings. */
    public boolean enabled = true;
    /** {@code teacher.learningRate} candidates. */
    public List<Double> teacherLearningRates = new ArrayList<>(List.of(0.003, 0.01, 0.03));
    /** {@code student.learningRate} candidates, for each student mode. */
    public List<Double> studentLearningRates = new ArrayList<>(List.of(0.01, 0.03));
    /** {@code student.dropout} candidates, for each student mode. */
    public List<Double> studentDropouts = new ArrayList<>(List.of(0.5));
  }

  /** The evaluate stage. */
  public static final class EvaluateSettings {
    /** Equal-width confidence bins of the expected calibration error. */
    public int calibrationBins = 15;
    /** Measure teacher vs student throughput (one JVM, same texts and batch size, after warm-up). */
    public boolean speed = true;
    /** Test texts timed by the speed comparison. */
    public int speedRows = 128;
    /** Timed repeats per model after one warm-up pass; the best counts. */
    public int speedRepeats = 2;
  }
}
