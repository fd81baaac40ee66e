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
 * <p>Writes {@code entity-vectors/} and {@code query-vectors/} ({@link CacheSchemas#features()}:
 * id, num_tokens, truncated, features; reusable as a teacher cache) and {@code ranks/} (per query:
 * split, relation, inverse, target, rank, ties, source_above, candidates). Metrics per split: MRR, Hits@1/3/10,
 * queries, the expected MRR of a uniformly random ranking over the same candidates ({@code
 * <split>.randomMrr}: mean of H(c)/c, c = entities minus the query's other answers), and the
 * encoding throughput ({@code textsPerSecond}: texts over the two encodes' wall time, Spark tasks
 * included).
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
    KgGraph graph = KgGraph.read(input(KgGraphStage.NAME));
    EncoderSpec spec = spec(c);
    Dataset<Row> queries = RankingQueries.of(graph.triples(), KgSchemas.VALID).unionByName(RankingQueries.of(graph.triples(), KgSchemas.TEST)).cache();
    String entityDir = new Path(runDir, "entity-vectors").toString();
    String queryDir = new Path(runDir, "query-vectors").toString();
    long start = System.nanoTime();
    encode(PmdTexts.entities(graph.entities()), spec, c).write().mode(SaveMode.ErrorIfExists).parquet(entityDir);
    encode(PmdTexts.queries(queries, graph.entities()), spec, c).write().mode(SaveMode.ErrorIfExists).parquet(queryDir);
    double encodeSeconds = (System.nanoTime() - start) / 1e9;
    Dataset<Row> entityVectors = context.spark().read().parquet(entityDir);
    Dataset<Row> queryVectors = context.spark().read().parquet(queryDir);
    long entities = entityVectors.count();
    long queryTexts = queryVectors.count();
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("entities", entities);
    metrics.put("queryTexts", queryTexts);
    metrics.put("encodeSeconds", Math.round(encodeSeconds * 10) / 10.0);
    metrics.put("textsPerSecond", (entities + queryTexts) / encodeSeconds);
    long truncated = entityVectors.where(col(Columns.TRUNCATED)).count() + queryVectors.where(col(Columns.TRUNCATED)).count();
    Dataset<Row> ranked =
        queries.withColumn(PmdTexts.QUERY_KEY, PmdTexts.queryKey())
            .join(queryVectors.select(col(Columns.ID).as("qk"), col(Columns.FEATURES).as(FilteredRanking.VECTOR)), col(PmdTexts.QUERY_KEY).equalTo(col("qk")));
    long start2 = System.nanoTime();
    Dataset<Row> ranks =
        FilteredRanking.rank(entityVectors.select(col(Columns.ID).as(KgSchemas.ID), col(Columns.FEATURES).as(FilteredRanking.VECTOR)), ranked, c.kg.eval.queryBlock, c.kg.eval.partitions);
    metrics.put("rankingSeconds", Math.round((System.nanoTime() - start2) / 1e8) / 10.0);
    Dataset<Row> table =
        queries.join(ranks, RankingQueries.QUERY_ID)
            .select(
                col(RankingQueries.QUERY_ID), col(KgSchemas.SPLIT), col(KgSchemas.RELATION), col(RankingQueries.INVERSE), col(RankingQueries.TARGET),
                col(FilteredRanking.RANK), col(FilteredRanking.TIES), col(FilteredRanking.SOURCE_ABOVE),
                functions.lit(entities).minus(functions.size(functions.array_remove(col(RankingQueries.FILTER), col(RankingQueries.TARGET)))).as("candidates"));
    String ranksDir = new Path(runDir, "ranks").toString();
    table.write().mode(SaveMode.ErrorIfExists).parquet(ranksDir);
    queries.unpersist();
    Map<String, Long> counts = new TreeMap<>();
    List<Row> all = context.spark().read().parquet(ranksDir).select(KgSchemas.SPLIT, FilteredRanking.RANK, FilteredRanking.TIES, "candidates", FilteredRanking.SOURCE_ABOVE).collectAsList();
    for (String split : List.of(KgSchemas.VALID, KgSchemas.TEST)) {
      List<Row> rows = all.stream().filter(r -> r.getString(0).equals(split)).toList();
      long[] r = rows.stream().mapToLong(x -> x.getLong(1)).toArray();
      long[] t = rows.stream().mapToLong(x -> x.getLong(2)).toArray();
      metrics.putAll(RankingMetrics.of(r, t).toMap(split));
      long[] withoutSource = rows.stream().mapToLong(x -> x.getLong(1) - x.getLong(4)).toArray();
      metrics.putAll(RankingMetrics.of(withoutSource, t).toMap(split + ".sourceExcluded"));
      metrics.put(split + ".randomMrr", rows.stream().mapToDouble(x -> randomReciprocalRank(x.getLong(3))).average().orElse(0));
      counts.put(split, (long) rows.size());
    }
    StageWrite out = StageWrite.of(counts, truncated);
    out.metrics().putAll(metrics);
    return out;
  }

  /** E[1/rank] for a uniformly random rank over {@code candidates}: H(c)/c. */
  static double randomReciprocalRank(long candidates) {
    double h = 0;
    for (long k = 1; k <= candidates; k++) {
      h += 1.0 / k;
    }
    return h / candidates;
  }

  private Dataset<Row> encode(Dataset<Row> texts, EncoderSpec spec, DistillConfig c) {
    Dataset<Row> in = texts;
    if (c.encoder.partitions > 0) {
      in = in.repartition(c.encoder.partitions);
    }
    return TeacherResources.mapPartitions(in, new EncodePartitions(spec, c.pmd.batchSize, 0), CacheSchemas.features(), c.resources, NAME);
  }
}
