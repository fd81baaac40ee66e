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
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.kg.FilteredRanking;
import org.sparkdistill.kg.KgGraph;
import org.sparkdistill.kg.KgSchemas;
import org.sparkdistill.kg.RankingMetrics;
import org.sparkdistill.kg.RankingQueries;
import org.sparkdistill.stage.StageWrite;
import org.sparkdistill.udfs.schema.Columns;

/**
 * What every bi-encoder stage of PMD writes (the frozen zero-shot baseline, the fine-tuned teacher,
 * later the grades): the entity texts and the query texts of every valid and test query ({@link
 * RankingQueries}: tails, and heads through the inverse relation) encoded by the model's two
 * sides, then ranked by {@link FilteredRanking}. Writes {@code entity-vectors/} and {@code
 * query-vectors/} (the features schema: id, num_tokens, truncated, features; reusable as a teacher
 * cache) and {@code ranks/} (per query: split, relation, inverse, target, rank, ties,
 * source_above, candidates). Metrics per split: MRR, Hits@1/3/10, queries, the same with the
 * query's source left out of the candidates ({@code <split>.sourceExcluded.*}), the expected MRR
 * of a uniformly random ranking over the same candidates ({@code <split>.randomMrr}: mean of
 * H(c)/c), and the encoding throughput ({@code textsPerSecond}).
 *
 * <p>Cost: (entities + distinct queries) encoder forwards, then queries × entities × d
 * multiply-adds of ranking.
 */
final class BiEncoderRanking {
  /** One side of a bi-encoder over (id, text) rows, as features rows. */
  interface Encoder {
    Dataset<Row> encode(Dataset<Row> texts, boolean queries);
  }

  private BiEncoderRanking() {}

  static StageWrite rank(SparkSession spark, DistillConfig c, KgGraph graph, Encoder encoder, Path runDir) {
    Dataset<Row> queries = RankingQueries.of(graph.triples(), KgSchemas.VALID).unionByName(RankingQueries.of(graph.triples(), KgSchemas.TEST)).cache();
    String entityDir = new Path(runDir, "entity-vectors").toString();
    String queryDir = new Path(runDir, "query-vectors").toString();
    long start = System.nanoTime();
    encoder.encode(PmdTexts.entities(graph.entities()), false).write().mode(SaveMode.ErrorIfExists).parquet(entityDir);
    encoder.encode(PmdTexts.queries(queries, graph.entities()), true).write().mode(SaveMode.ErrorIfExists).parquet(queryDir);
    double encodeSeconds = (System.nanoTime() - start) / 1e9;
    Dataset<Row> entityVectors = spark.read().parquet(entityDir);
    Dataset<Row> queryVectors = spark.read().parquet(queryDir);
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
    List<Row> all = spark.read().parquet(ranksDir).select(KgSchemas.SPLIT, FilteredRanking.RANK, FilteredRanking.TIES, "candidates", FilteredRanking.SOURCE_ABOVE).collectAsList();
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
}
