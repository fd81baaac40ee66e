package org.sparkdistill.kg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.sparkdistill.testing.SharedSpark;

/** The filtered ranking job against a hand-computed case and a brute-force double-precision reference. */
class FilteredRankingTest {
  private static final StructType ENTITIES = new StructType().add("id", DataTypes.StringType).add("vector", DataTypes.createArrayType(DataTypes.FloatType));
  private static final StructType QUERIES =
      new StructType().add("query_id", DataTypes.StringType).add("target", DataTypes.StringType).add("filter", DataTypes.createArrayType(DataTypes.StringType))
          .add("vector", DataTypes.createArrayType(DataTypes.FloatType));

  private static Row entity(String id, float... v) {
    return RowFactory.create(id, box(v));
  }

  private static Row query(String id, String target, List<String> filter, float... v) {
    return RowFactory.create(id, target, filter.toArray(new String[0]), box(v));
  }

  private static Float[] box(float[] v) {
    Float[] out = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  private static Map<String, long[]> ranks(Dataset<Row> ranks) {
    Map<String, long[]> out = new HashMap<>();
    for (Row r : ranks.collectAsList()) {
      out.put(r.getString(0), new long[] {r.getLong(1), r.getLong(2), r.getLong(3)});
    }
    return out;
  }

  @Test
  void handComputedRanksWithFilterAndTies() {
    SparkSession spark = SharedSpark.session();
    // 1-d entities: scores of query q (vector 1) are the entity values themselves.
    Dataset<Row> entities =
        spark.createDataFrame(List.of(entity("a", 0.9f), entity("b", 0.5f), entity("c", 0.7f), entity("d", 0.5f), entity("e", 0.1f), entity("f", 0.8f)), ENTITIES).repartition(3);
    Dataset<Row> queries =
        spark.createDataFrame(
            List.of(
                // answer b (0.5): above it a 0.9, c 0.7, f 0.8 -> rank 4; d ties (0.5)
                query("q1", "b", List.of("b"), 1f),
                // same, with a and f filtered as other answers: only c above -> rank 2; d still ties
                query("q2", "b", List.of("a", "b", "f"), 1f),
                // negated query: scores -x; answer e (-0.1) is the best -> rank 1, no ties
                query("q3", "e", List.of("e"), -1f),
                // answer d (0.5) with b filtered: a, c, f above -> rank 4, no tie left
                query("q4", "d", List.of("b", "d"), 1f)),
            QUERIES);
    Map<String, long[]> r = ranks(FilteredRanking.rank(entities, queries, 2, 0));
    assertThat(r.get("q1")).containsExactly(4, 1, 0);
    assertThat(r.get("q2")).containsExactly(2, 1, 0);
    assertThat(r.get("q3")).containsExactly(1, 0, 0);
    assertThat(r.get("q4")).containsExactly(4, 0, 0);
    // with a source column: q5 reads a (0.9, above its answer c 0.7), q6 reads e (below its answer)
    StructType withSource = QUERIES.add("source", DataTypes.StringType);
    Dataset<Row> sourced =
        spark.createDataFrame(
            List.of(RowFactory.create("q5", "c", new String[] {"c"}, box(new float[] {1f}), "a"), RowFactory.create("q6", "c", new String[] {"c"}, box(new float[] {1f}), "e")), withSource);
    Map<String, long[]> s = ranks(FilteredRanking.rank(entities, sourced, 4, 0));
    assertThat(s.get("q5")).containsExactly(3, 0, 1); // a 0.9 and f 0.8 above c; a is the source
    assertThat(s.get("q6")).containsExactly(3, 0, 0);
    RankingMetrics m = RankingMetrics.of(new long[] {4, 2, 1, 4}, new long[] {1, 1, 0, 0});
    assertThat(m.mrr()).isEqualTo((0.25 + 0.5 + 1 + 0.25) / 4);
    assertThat(m.hits1()).isEqualTo(0.25);
    assertThat(m.hits3()).isEqualTo(0.5);
    assertThat(m.hits10()).isEqualTo(1.0);
    assertThat(m.queriesWithTies()).isEqualTo(2);
  }

  @Test
  void matchesABruteForceDoublePrecisionReferenceOnARandomCase() {
    SparkSession spark = SharedSpark.session();
    Random random = new Random(3);
    int n = 300;
    int d = 16;
    float[][] e = new float[n][d];
    List<Row> entityRows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < d; k++) {
        e[i][k] = (float) random.nextGaussian();
      }
      entityRows.add(entity("e" + i, e[i]));
    }
    int m = 57;
    List<Row> queryRows = new ArrayList<>();
    Map<String, Long> expected = new HashMap<>();
    for (int j = 0; j < m; j++) {
      float[] q = new float[d];
      for (int k = 0; k < d; k++) {
        q[k] = (float) random.nextGaussian();
      }
      int target = random.nextInt(n);
      List<String> filter = new ArrayList<>(List.of("e" + target));
      for (int f = 0; f < random.nextInt(20); f++) {
        filter.add("e" + random.nextInt(n));
      }
      // reference: a separate double-precision loop over every entity
      double answer = 0;
      for (int k = 0; k < d; k++) {
        answer += (double) q[k] * e[target][k];
      }
      long above = 0;
      for (int i = 0; i < n; i++) {
        if (filter.contains("e" + i)) {
          continue;
        }
        double s = 0;
        for (int k = 0; k < d; k++) {
          s += (double) q[k] * e[i][k];
        }
        above += s > answer ? 1 : 0;
      }
      expected.put("q" + j, 1 + above);
      queryRows.add(query("q" + j, "e" + target, filter, q));
    }
    Dataset<Row> entities = spark.createDataFrame(entityRows, ENTITIES);
    Dataset<Row> queries = spark.createDataFrame(queryRows, QUERIES);
    // small blocks and several partitions: the block and partition sums must not change a rank
    Map<String, long[]> r = ranks(FilteredRanking.rank(entities, queries, 10, 4));
    assertThat(r).hasSize(m);
    expected.forEach((q, rank) -> assertThat(r.get(q)[0]).as(q).isEqualTo(rank));
    assertThat(expected.values()).anyMatch(rank -> rank > 10);
  }

  @Test
  void anAnswerWithoutAVectorIsAnError() {
    SparkSession spark = SharedSpark.session();
    Dataset<Row> entities = spark.createDataFrame(List.of(entity("a", 1f)), ENTITIES);
    Dataset<Row> queries = spark.createDataFrame(List.of(query("q1", "zz", List.of("zz"), 1f)), QUERIES);
    assertThatThrownBy(() -> FilteredRanking.rank(entities, queries, 4, 0)).hasMessageContaining("1 ranking queries have an answer without an entity vector, e.g. zz (query q1)");
  }
}
