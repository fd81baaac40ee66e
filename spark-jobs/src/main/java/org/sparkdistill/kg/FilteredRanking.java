package org.sparkdistill.kg;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact filtered ranking of every entity as the answer of every query, as a Spark job that never
 * brings the entities to the driver.
 *
 * <p><b>Rule.</b> A query's score for entity e is the dot product q·e (cosine for unit vectors),
 * accumulated in double precision in index order from the float vectors. The rank of the true
 * answer a is 1 + the number of entities e, e ≠ a and e not in the query's filter, with q·e
 * strictly greater than q·a. Ties are in the answer's favour (optimistic); the number of
 * non-filtered entities tied with the answer is returned beside the rank, so a scorer that ties
 * many entities is visible rather than rewarded silently.
 *
 * <p><b>Job.</b> The queries are cut into blocks of about {@code queryBlock} (by a hash of the
 * query id); for each block the driver collects the block's query vectors with their answer's
 * vector (two vectors per query), computes q·a, and broadcasts the block; every task scans its
 * partition of the entity vectors (cached across blocks), compares each entity with every query of
 * the block, and returns three counts per query (above, tied, source above), summed by a tree reduce. Memory per executor: the
 * block (about 4·d bytes per query plus its filter ids) and one entity row at a time; on the
 * driver: one block and the per-query ranks. Work: queries × entities × d multiply-adds.
 */
public final class FilteredRanking {
  private static final Logger LOG = LoggerFactory.getLogger(FilteredRanking.class);
  /** The vector column of the entity and query tables. */
  public static final String VECTOR = "vector";
  public static final String RANK = "rank";
  public static final String TIES = "ties";
  /** 1 when the query's own source entity is among the entities counted above the answer. */
  public static final String SOURCE_ABOVE = "source_above";

  private FilteredRanking() {}

  /** The per-query output: query_id, rank (long, >= 1), ties (long). */
  public static StructType ranksSchema() {
    return new StructType(
        new StructField[] {
          DataTypes.createStructField(RankingQueries.QUERY_ID, DataTypes.StringType, false),
          DataTypes.createStructField(RANK, DataTypes.LongType, false),
          DataTypes.createStructField(TIES, DataTypes.LongType, false),
          DataTypes.createStructField(SOURCE_ABOVE, DataTypes.LongType, false),
        });
  }

  /**
   * Ranks every query of {@code queries} (query_id, target, filter array&lt;string&gt;, vector
   * array&lt;float&gt;; optionally {@code source}, the entity the query reads) against every
   * entity of {@code entities} (id, vector array&lt;float&gt;). With a source column, {@code
   * source_above} says whether the source itself was counted above the answer, so a caller can
   * also report ranks with the source left out (rank − source_above): a bi-encoder's query
   * embeds the source's own text, and no triple of the graph is a self-loop.
   *
   * @param partitions partitions of the entity scan; 0 keeps the input's
   * @return {@link #ranksSchema()} rows, one per query
   * @throws IllegalArgumentException when a query's answer has no vector, or dimensions differ
   */
  public static Dataset<Row> rank(Dataset<Row> entities, Dataset<Row> queries, int queryBlock, int partitions) {
    SparkSession spark = entities.sparkSession();
    long total = queries.count();
    List<Row> out = new ArrayList<>();
    if (total == 0) {
      return spark.createDataFrame(out, ranksSchema());
    }
    int blocks = (int) Math.max(1, (total + queryBlock - 1) / queryBlock);
    Dataset<Row> answers = entities.select(col(KgSchemas.ID).as("answer_id"), col(VECTOR).as("answer_vector"));
    boolean hasSource = java.util.Arrays.asList(queries.columns()).contains(RankingQueries.SOURCE);
    Dataset<Row> withAnswer =
        queries.select(col(RankingQueries.QUERY_ID), col(RankingQueries.TARGET), col(RankingQueries.FILTER), col(VECTOR),
                hasSource ? col(RankingQueries.SOURCE) : lit(null).cast("string").as(RankingQueries.SOURCE))
            .join(answers, col(RankingQueries.TARGET).equalTo(col("answer_id")), "left")
            .withColumn("block", pmod(xxhash64(lit("kg-rank-block"), col(RankingQueries.QUERY_ID)), lit(blocks)))
            .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> missing = withAnswer.where(col("answer_id").isNull());
    List<Row> shown = missing.select(RankingQueries.QUERY_ID, RankingQueries.TARGET).limit(5).collectAsList();
    if (!shown.isEmpty()) {
      long n = missing.count();
      withAnswer.unpersist();
      throw new IllegalArgumentException(n + " ranking queries have an answer without an entity vector, e.g. " + shown.get(0).getString(1) + " (query " + shown.get(0).getString(0)
          + "): every answer must be an entity of the ranked table");
    }
    JavaRDD<Row> scan = entities.select(col(KgSchemas.ID), col(VECTOR)).javaRDD();
    if (partitions > 0) {
      scan = scan.repartition(partitions);
    }
    scan = scan.persist(StorageLevel.MEMORY_AND_DISK());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    try {
      for (int b = 0; b < blocks; b++) {
        List<Row> rows = withAnswer.where(col("block").equalTo(b)).select(RankingQueries.QUERY_ID, RankingQueries.TARGET, RankingQueries.FILTER, VECTOR, "answer_vector", RankingQueries.SOURCE).collectAsList();
        if (rows.isEmpty()) {
          continue;
        }
        QueryBlock block = QueryBlock.of(rows);
        Broadcast<QueryBlock> shared = jsc.broadcast(block);
        spark.sparkContext().setJobDescription("kg ranking: query block " + (b + 1) + " of " + blocks + " (" + rows.size() + " queries)");
        long[] counts = scan.mapPartitions(new CountAbove(shared)).treeReduce(FilteredRanking::add);
        spark.sparkContext().setJobDescription(null);
        shared.destroy();
        int m = block.ids.length;
        for (int j = 0; j < m; j++) {
          out.add(RowFactory.create(block.ids[j], 1 + counts[j], counts[m + j], counts[2 * m + j]));
        }
        LOG.info("kg ranking: block {} of {} ({} queries) done", b + 1, blocks, m);
      }
    } finally {
      scan.unpersist();
      withAnswer.unpersist();
    }
    return spark.createDataFrame(out, ranksSchema());
  }

  /** a · b accumulated in double precision, in index order: the one score function of the ranking. */
  public static double dot(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("vector dimensions differ: " + a.length + " and " + b.length);
    }
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * (double) b[i];
    }
    return s;
  }

  static float[] floats(Row row, int i) {
    List<Object> list = row.getList(i);
    float[] out = new float[list.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = ((Number) list.get(k)).floatValue();
    }
    return out;
  }

  private static long[] add(long[] a, long[] b) {
    long[] s = a.clone();
    for (int i = 0; i < s.length; i++) {
      s[i] += b[i];
    }
    return s;
  }

  /** One broadcast block of queries with their answer's score. */
  static final class QueryBlock implements Serializable {
    private static final long serialVersionUID = 1L;
    final String[] ids;
    final String[] answers;
    final String[] sources;
    final float[][] vectors;
    final double[] answerScores;
    final Set<String>[] filters;

    @SuppressWarnings("unchecked")
    private QueryBlock(int m) {
      ids = new String[m];
      answers = new String[m];
      sources = new String[m];
      vectors = new float[m][];
      answerScores = new double[m];
      filters = new Set[m];
    }

    static QueryBlock of(List<Row> rows) {
      QueryBlock b = new QueryBlock(rows.size());
      for (int j = 0; j < rows.size(); j++) {
        Row r = rows.get(j);
        b.ids[j] = r.getString(0);
        b.answers[j] = r.getString(1);
        b.filters[j] = new HashSet<>(r.<String>getList(2));
        b.vectors[j] = floats(r, 3);
        b.answerScores[j] = dot(b.vectors[j], floats(r, 4));
        b.sources[j] = r.isNullAt(5) ? null : r.getString(5);
      }
      return b;
    }
  }

  /** Per partition: for each query, non-filtered entities above the answer's score, those tied with it, and whether the source was above. */
  static final class CountAbove implements FlatMapFunction<Iterator<Row>, long[]> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<QueryBlock> block;

    CountAbove(Broadcast<QueryBlock> block) {
      this.block = block;
    }

    @Override
    public Iterator<long[]> call(Iterator<Row> entities) {
      QueryBlock q = block.value();
      int m = q.ids.length;
      long[] counts = new long[3 * m];
      while (entities.hasNext()) {
        Row e = entities.next();
        String id = e.getString(0);
        float[] v = floats(e, 1);
        for (int j = 0; j < m; j++) {
          double s = dot(q.vectors[j], v);
          double a = q.answerScores[j];
          if (s >= a && !id.equals(q.answers[j]) && !q.filters[j].contains(id)) {
            counts[s > a ? j : m + j]++;
            if (s > a && id.equals(q.sources[j])) {
              counts[2 * m + j]++;
            }
          }
        }
      }
      return List.of(counts).iterator();
    }
  }
}
