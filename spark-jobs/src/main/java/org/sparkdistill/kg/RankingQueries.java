package org.sparkdistill.kg;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The link-prediction queries of a split, SimKGC's way: every triple (h, r, t) gives a forward
 * query (h, r, ?) answered by t and, through the inverse relation, a backward query (t, r⁻¹, ?)
 * answered by h, so a model only ever predicts tails. A query's filter is every entity that
 * answers it in any split (train, valid or test), the answer itself included: the "filtered"
 * setting of Bordes et al. 2013.
 *
 * <p>Columns: {@code query_id} ({@code split|f|h|r|t} or {@code split|b|h|r|t}), {@code split},
 * {@code source} (the entity the query reads), {@code relation}, {@code inverse}, {@code target}
 * and {@code filter} (array of entity ids). Cost: two group-bys over all triples and two joins.
 */
public final class RankingQueries {
  public static final String QUERY_ID = "query_id";
  public static final String SOURCE = "source";
  public static final String INVERSE = "inverse";
  public static final String TARGET = "target";
  public static final String FILTER = "filter";

  private RankingQueries() {}

  /** The queries of {@code split} over {@code triples} ({@link KgSchemas#triples()}). */
  public static Dataset<Row> of(Dataset<Row> triples, String split) {
    Dataset<Row> tails = triples.groupBy(col(KgSchemas.HEAD).as("fh"), col(KgSchemas.RELATION).as("fr")).agg(collect_set(col(KgSchemas.TAIL)).as(FILTER));
    Dataset<Row> heads = triples.groupBy(col(KgSchemas.TAIL).as("bt"), col(KgSchemas.RELATION).as("br")).agg(collect_set(col(KgSchemas.HEAD)).as(FILTER));
    Dataset<Row> eval = triples.where(col(KgSchemas.SPLIT).equalTo(split));
    Dataset<Row> forward =
        eval.join(tails, col(KgSchemas.HEAD).equalTo(col("fh")).and(col(KgSchemas.RELATION).equalTo(col("fr"))))
            .select(
                concat_ws("|", col(KgSchemas.SPLIT), lit("f"), col(KgSchemas.HEAD), col(KgSchemas.RELATION), col(KgSchemas.TAIL)).as(QUERY_ID),
                col(KgSchemas.SPLIT), col(KgSchemas.HEAD).as(SOURCE), col(KgSchemas.RELATION), lit(false).as(INVERSE), col(KgSchemas.TAIL).as(TARGET), col(FILTER));
    Dataset<Row> backward =
        eval.join(heads, col(KgSchemas.TAIL).equalTo(col("bt")).and(col(KgSchemas.RELATION).equalTo(col("br"))))
            .select(
                concat_ws("|", col(KgSchemas.SPLIT), lit("b"), col(KgSchemas.HEAD), col(KgSchemas.RELATION), col(KgSchemas.TAIL)).as(QUERY_ID),
                col(KgSchemas.SPLIT), col(KgSchemas.TAIL).as(SOURCE), col(KgSchemas.RELATION), lit(true).as(INVERSE), col(KgSchemas.HEAD).as(TARGET), col(FILTER));
    return forward.unionByName(backward);
  }
}
