package org.sparkdistill.method.pmd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.kg.KgGraph;
import org.sparkdistill.kg.KgGraphStage;
import org.sparkdistill.spark.ModelFiles;
import org.sparkdistill.spark.TeacherResources;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageInput;
import org.sparkdistill.stage.StageWrite;
import org.sparkdistill.udfs.kgc.BiEncoderEncodePartitions;
import org.sparkdistill.udfs.kgc.BiEncoderMeta;
import org.sparkdistill.udfs.kgc.BiEncoderSpec;
import org.sparkdistill.udfs.kgc.LoadedBiEncoder;
import org.sparkdistill.udfs.model.ModelFile;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * {@code pmd-teacher}: the fine-tuned bi-encoder ({@code pmd-finetune}) ranked like the zero-shot
 * baseline ({@link BiEncoderRanking}: exact filtered MRR and Hits@1/3/10 over all entities, valid
 * and test): entity texts through its entity encoder, query texts through its query encoder, on
 * executors (one model per executor JVM and device, no lock), at the maximum length it was trained
 * with. Its {@code entity-vectors/} are the teacher's entity embeddings the PMD grades distil from.
 * The parameters file is re-hashed and refused when it differs from what {@code pmd-finetune}'s
 * manifest recorded.
 *
 * <p>The same stage ranks each PMD grade ({@code pmd-rank-<grade>} over {@code pmd-grade-<grade>}):
 * any stage that publishes a bi-encoder artifact through {@link BiEncoderFineTuneStage#publish}.
 */
public final class TeacherRankingStage extends Stage {
  public static final String NAME = "pmd-teacher";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String name;
  private final Stage model;

  public TeacherRankingStage(StageContext context) {
    this(context, NAME, null);
  }

  /**
   * Ranks the bi-encoder {@code model} publishes, as the stage {@code name}.
   *
   * @param model the stage of the artifact; null: {@code pmd-finetune} of the run's graph
   */
  public TeacherRankingStage(StageContext context, String name, Stage model) {
    super(context);
    this.name = name;
    this.model = model;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  protected String description() {
    return name + ": " + (model == null ? "fine-tuned bi-encoder" : "bi-encoder of " + model.name()) + ", ranking of the valid and test queries";
  }

  private StageInput modelInput() {
    return model == null ? input(BiEncoderFineTuneStage.NAME) : input(model);
  }

  @Override
  public StagePlan plan() {
    return StagePlan.of(name)
        .input(KgGraphStage.NAME, input(KgGraphStage.NAME).fingerprint())
        .input(model == null ? BiEncoderFineTuneStage.NAME : model.name(), modelInput().fingerprint())
        .settings(context.config(), "pmd.batchSize");
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig c = context.config();
    BiEncoderSpec spec = spec(c, modelInput());
    StageWrite out =
        BiEncoderRanking.rank(
            context.spark(), c, KgGraph.read(input(KgGraphStage.NAME)), (texts, queries) -> encode(texts, spec, queries ? LoadedBiEncoder.Side.QUERY : LoadedBiEncoder.Side.ENTITY, c), runDir);
    return out.metric("temperature", spec.meta().temperature()).metric("layers", spec.meta().shape().layers()).metric("parameters", 2 * spec.meta().shape().parameterCount() + 1);
  }

  /** What executors load: the published parameters, checked against the manifest's sha256, and the tokenizer it was trained with. */
  static BiEncoderSpec spec(DistillConfig c, StageInput teacher) {
    BiEncoderMeta meta;
    try (InputStream in = teacher.open(BiEncoderMeta.META_FILE)) {
      JsonNode doc = JSON.readTree(in);
      meta = JSON.treeToValue(doc.get("meta"), BiEncoderMeta.class);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + BiEncoderMeta.META_FILE + " of the bi-encoder at " + teacher.output().dir() + ": " + e.getMessage() + " (rerun " + teacher.stage() + " with --overwrite)", e);
    }
    SerializableConfiguration hadoop = ModelFiles.sessionConf();
    String params = new Path(teacher.output().dir(), teacher.file(BiEncoderMeta.PARAMS_FILE)).toString();
    ModelFile paramsFile = ModelFiles.resolve("bi-encoder parameters", params, hadoop);
    Object recorded = teacher.manifest().metrics().get("files") instanceof Map<?, ?> m ? m.get(BiEncoderMeta.PARAMS_FILE) : null;
    if (recorded == null || !paramsFile.sha256().equals(recorded)) {
      throw new IllegalStateException(
          params + " has sha256 " + paramsFile.sha256() + ", the " + teacher.stage() + " manifest recorded " + recorded + ": the artifact changed after publication; rerun " + teacher.stage() + " with --overwrite");
    }
    ModelFile tokenizer = ModelFiles.resolve("encoder.tokenizer", c.encoder.tokenizer, hadoop);
    if (!tokenizer.sha256().equals(meta.tokenizerSha256())) {
      throw new IllegalStateException("the bi-encoder at " + teacher.output().dir() + " was trained with tokenizer sha256 " + meta.tokenizerSha256() + ", encoder.tokenizer has " + tokenizer.sha256() + ": point encoder.tokenizer at its tokenizer or rerun " + teacher.stage());
    }
    return new BiEncoderSpec(paramsFile, meta, tokenizer, new TokenizerSettings(meta.maxLength(), true), c.encoder.device);
  }

  private static Dataset<Row> encode(Dataset<Row> texts, BiEncoderSpec spec, LoadedBiEncoder.Side side, DistillConfig c) {
    Dataset<Row> in = c.encoder.partitions > 0 ? texts.repartition(c.encoder.partitions) : texts;
    return TeacherResources.mapPartitions(in, new BiEncoderEncodePartitions(spec, side, c.pmd.batchSize), CacheSchemas.features(), c.resources, NAME);
  }
}
