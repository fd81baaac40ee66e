package org.sparkdistill.method.pmd;

import static org.apache.spark.sql.functions.col;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.kg.FilteredRanking;
import org.sparkdistill.kg.KgGraph;
import org.sparkdistill.kg.KgGraphStage;
import org.sparkdistill.kg.KgSchemas;
import org.sparkdistill.kg.RankingMetrics;
import org.sparkdistill.kg.RankingQueries;
import org.sparkdistill.spark.TeacherResources;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageWrite;
import org.sparkdistill.udfs.inference.EncodePartitions;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.Pooling;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;

/**
 * {@code pmd-zero-shot}: the pretrained encoder ({@code encoder.model}, all-minilm-l6-v2 by
 * default), frozen, as a SimKGC bi-encoder without any training: the entity texts and the query
 * texts ({@link PmdTexts}) are encoded by the project's ONNX encode path ({@link
 * EncodePartitions}: mean pooling, L2 normalisation, {@code pmd.maxLength} tokens, truncation
 * counted), and every valid and test query ({@link RankingQueries}: tails, and heads through the
 * inverse relation) is ranked against all entities by cosine ({@link FilteredRanking}). The floor
 * every trained KGC model must clear.
 *
 * <p>The standard rule ranks the query's own source entity like any other candidate; a frozen
 * encoder's query embeds the source's text, so the source tends to win and Hits@1 is near 0.
 * {@code <split>.sourceExcluded.*} gives the same metrics with the source left out of the
 * candidates (no triple is a self-loop, so it is never a right answer); SimKGC trains the source
 * down with its self-negative instead.
 *
 * <p>Writes what {@link BiEncoderRanking} writes.
 *
 * <p>Cost: (entities + distinct queries) encoder forwards of at most {@code pmd.maxLength}
 * tokens, then queries × entities × d multiply-adds of ranking.
 */
public final class ZeroShotStage extends Stage {
  public static final String NAME = "pmd-zero-shot";

  public ZeroShotStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return "pmd-zero-shot: frozen bi-encoder ranking of the valid and test queries";
  }

  @Override
  public StagePlan plan() {
    DistillConfig c = context.config();
    var conf = context.spark().sparkContext().hadoopConfiguration();
    return StagePlan.of(NAME)
        .input(KgGraphStage.NAME, input(KgGraphStage.NAME).fingerprint())
        .model("encoder", Fingerprints.sha256File("encoder model", c.encoder.modelFile(), conf))
        .model("tokenizer", Fingerprints.sha256File("encoder tokenizer", c.encoder.tokenizer, conf))
        .settings(c, "pmd.maxLength", "encoder.precision");
  }

  /** The encoder settings of the bi-encoder: mean pooling, normalised, {@code pmd.maxLength} tokens, truncating. */
  static EncoderSpec spec(DistillConfig c) {
    DistillConfig.EncoderSettings e = c.copy().encoder;
    e.maxLength = c.pmd.maxLength;
    e.truncation = true;
    e.pooling = Pooling.MEAN;
    e.normalize = true;
    return EncodeStage.encoderSpec(e);
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig c = context.config();
    EncoderSpec spec = spec(c);
    return BiEncoderRanking.rank(context.spark(), c, KgGraph.read(input(KgGraphStage.NAME)), (texts, queries) -> encode(texts, spec, c), runDir);
  }

  private Dataset<Row> encode(Dataset<Row> texts, EncoderSpec spec, DistillConfig c) {
    Dataset<Row> in = texts;
    if (c.encoder.partitions > 0) {
      in = in.repartition(c.encoder.partitions);
    }
    return TeacherResources.mapPartitions(in, new EncodePartitions(spec, c.pmd.batchSize, 0), CacheSchemas.features(), c.resources, NAME);
  }
}
