package org.sparkdistill.method.pmd;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.kg.KgGraph;
import org.sparkdistill.kg.KgGraphStage;
import org.sparkdistill.spark.ModelFiles;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageInput;
import org.sparkdistill.stage.StageWrite;
import org.sparkdistill.udfs.kgc.BiEncoder;
import org.sparkdistill.udfs.kgc.BiEncoderOptions;
import org.sparkdistill.udfs.kgc.BiEncoderSpec;
import org.sparkdistill.udfs.kgc.BiEncoderTrainer;
import org.sparkdistill.udfs.kgc.GradeDistillation;
import org.sparkdistill.udfs.kgc.LoadedBiEncoder;
import org.sparkdistill.udfs.model.ModelFile;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizerSettings;
import org.sparkdistill.udfs.transformer.BertWeights;
import org.sparkdistill.udfs.transformer.FineTuneResult;

/**
 * {@code pmd-grade-<id>}: one bi-encoder of PMD's chain ({@link PmdGrades.Grade}): a PMD grade
 * distilled from the grade above (the first from {@code pmd-finetune}), or a same-size baseline
 * (trained alone, score-only KD, feature KD without masking, from the fine-tuned teacher).
 *
 * <p>Both encoders start from the layers of the grade's map, of the pretrained ONNX encoder or,
 * with {@code pmd.grades.init: previous}, of the teacher's own two encoders; the embeddings are
 * copied whole; τ starts at {@code pmd.finetune.temperature}. Training is {@link BiEncoderTrainer}
 * with the {@code pmd.finetune.*} recipe and a {@link GradeDistillation}: the teacher runs <b>online
 * on the driver</b>, dropout off, on each batch's masked ids. Caching it instead would fix the mask
 * draws (one per cached copy) or cost a cache of [L, d] states per text and draw; online, it adds
 * one teacher forward (no backward) per student step, about a third of a step.
 *
 * <p>Publishes the artifact of {@link BiEncoderFineTuneStage#publish}, so {@link
 * TeacherRankingStage} ranks it and the next grade learns from it; the manifest adds the grade's
 * id, variant, layer map, mask rate, α and β, and the teacher's parameters sha256.
 */
public final class GradeStage extends Stage {
  private static final Logger LOG = LoggerFactory.getLogger(GradeStage.class);
  public static final String PREFIX = "pmd-grade-";

  private final PmdGrades.Grade grade;
  private final Stage teacher;

  /**
   * @param teacher the stage of the model it learns from ({@code pmd-finetune} or a grade); null for a baseline trained alone
   */
  public GradeStage(StageContext context, PmdGrades.Grade grade, Stage teacher) {
    super(context);
    if ((teacher == null) != (grade.teacher() == null)) {
      throw new IllegalArgumentException("grade " + grade.id() + " learns from " + grade.teacher() + ", given teacher stage " + (teacher == null ? null : teacher.name()));
    }
    this.grade = grade;
    this.teacher = teacher;
  }

  public PmdGrades.Grade grade() {
    return grade;
  }

  @Override
  public String name() {
    return PREFIX + grade.id();
  }

  @Override
  protected String description() {
    return name() + ": " + grade.layers() + "-layer bi-encoder, " + grade.variant().id + (teacher == null ? "" : " from " + teacher.name()) + " (driver)";
  }

  @Override
  public StagePlan plan() {
    DistillConfig c = context.config();
    var conf = context.spark().sparkContext().hadoopConfiguration();
    StagePlan plan =
        StagePlan.of(name())
            .input(KgGraphStage.NAME, input(KgGraphStage.NAME).fingerprint())
            .model("encoder", context.graph().memo("sha256:" + c.encoder.modelFile(), () -> Fingerprints.sha256File("encoder model", c.encoder.modelFile(), conf)))
            .model("tokenizer", context.graph().memo("sha256:" + c.encoder.tokenizer, () -> Fingerprints.sha256File("encoder tokenizer", c.encoder.tokenizer, conf)))
            .settings(c, BiEncoderFineTuneStage.SETTINGS);
    gradeSettings().forEach((key, value) -> plan.setting("grade." + key, value));
    return teacher == null ? plan : plan.input(teacher.name(), input(teacher).fingerprint());
  }

  /** What makes this grade differ from the others, in order: recorded once in the plan (as {@code grade.<key>}) and once in the manifest. */
  private Map<String, Object> gradeSettings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("variant", grade.variant().id);
    settings.put("layerMap", grade.map().toString());
    settings.put("init", grade.fromAbove() ? "previous" : "pretrained");
    settings.put("maskRate", grade.maskRate());
    settings.put("alpha", grade.alpha());
    settings.put("beta", grade.beta());
    return settings;
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig c = context.config();
    DistillConfig.PmdFineTuneSettings f = c.pmd.finetune;
    BiEncoderFineTuneStage.TrainingPairs pairs = BiEncoderFineTuneStage.TrainingPairs.read(KgGraph.read(input(KgGraphStage.NAME)), f);
    SerializableConfiguration hadoop = ModelFiles.sessionConf();
    ModelFile encoderFile = ModelFiles.resolve("encoder.model", c.encoder.modelFile(), hadoop);
    ModelFile tokenizerFile = ModelFiles.resolve("encoder.tokenizer", c.encoder.tokenizer, hadoop);
    BiEncoderOptions options = BiEncoderFineTuneStage.options(f);
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("grade", grade.id());
    extra.putAll(gradeSettings());
    Device device = BiEncoderFineTuneStage.device(f);
    try (NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile.localPath(), new TokenizerSettings(c.pmd.maxLength, true))) {
      LoadedBiEncoder above = null;
      try {
        GradeDistillation distillation = null;
        BiEncoder student;
        if (teacher != null) {
          StageInput teacherInput = input(teacher);
          BiEncoderSpec spec = TeacherRankingStage.spec(c, teacherInput);
          above = LoadedBiEncoder.load(spec.paramsFile().localPath(), spec.meta(), device);
          extra.put("teacher", teacher.name());
          extra.put("teacherParamsSha256", spec.paramsFile().sha256());
          distillation =
              new GradeDistillation(above.model(), grade.alpha(), grade.beta(), grade.maskRate(), grade.variant() == PmdGrades.Variant.FEATURE_KD, tokenizer.tokenId("[MASK]"));
        }
        if (grade.fromAbove()) {
          String source = "the teacher " + teacher.name();
          student = BiEncoder.fromWeights(
              grade.map().apply(BertWeights.fromEncoder(above.model().queryEncoder()), source), grade.map().apply(BertWeights.fromEncoder(above.model().entityEncoder()), source),
              manager, (float) f.hiddenDropout, (float) f.attentionDropout, f.temperature);
        } else {
          BertWeights weights = grade.map().apply(BertWeights.fromOnnx(encoderFile.localPath(), f.attentionHeads), "encoder " + encoderFile.localPath());
          student = BiEncoder.fromWeights(weights, manager, (float) f.hiddenDropout, (float) f.attentionDropout, f.temperature);
        }
        LOG.info("{}: training a {}-layer bi-encoder ({}, layers {}, mask {}, alpha {}, beta {}) on {} train pairs ({} validation)",
            name(), grade.layers(), grade.variant().id, grade.map(), grade.maskRate(), grade.alpha(), grade.beta(), pairs.train().size(), pairs.valid().size());
        FineTuneResult result = new BiEncoderTrainer(options, distillation).train(student, manager, tokenizer, pairs.train(), pairs.valid());
        return BiEncoderFineTuneStage.publish(output(), runDir, student, c, encoderFile, tokenizerFile, result, options, extra, pairs);
      } finally {
        if (above != null) {
          above.close();
        }
      }
    }
  }
}
