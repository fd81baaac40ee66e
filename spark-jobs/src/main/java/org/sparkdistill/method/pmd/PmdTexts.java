package org.sparkdistill.method.pmd;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkdistill.kg.KgSchemas;
import org.sparkdistill.kg.RankingQueries;
import org.sparkdistill.udfs.schema.Columns;

/**
 * What the bi-encoder reads. An entity: SimKGC's "name: description" (the description alone when
 * the name is empty). A query (source entity, relation, direction): the relation phrase first
 * (underscores as spaces, "inverse " before it for a backward query), then ": " and the source
 * entity's text, so truncation at {@code pmd.maxLength} cuts the description, never the relation.
 */
public final class PmdTexts {
  /** The key of a query text: {@code f|source|relation} or {@code b|source|relation}. */
  public static final String QUERY_KEY = "query_key";

  private PmdTexts() {}

  /** (id, text) of every entity. */
  public static Dataset<Row> entities(Dataset<Row> entities) {
    return entities.select(col(KgSchemas.ID).as(Columns.ID), entityText().as(Columns.TEXT));
  }

  /** The query key column of {@link RankingQueries} rows. */
  public static Column queryKey() {
    return concat_ws("|", when(col(RankingQueries.INVERSE), lit("b")).otherwise(lit("f")), col(RankingQueries.SOURCE), col(KgSchemas.RELATION));
  }

  /** (id = query key, text) of every distinct query of {@code queries}, reading {@code entities}' texts. */
  public static Dataset<Row> queries(Dataset<Row> queries, Dataset<Row> entities) {
    Dataset<Row> keys = queries.select(queryKey().as(QUERY_KEY), col(RankingQueries.SOURCE), col(KgSchemas.RELATION), col(RankingQueries.INVERSE)).distinct();
    Dataset<Row> texts = entities.select(col(KgSchemas.ID).as("eid"), entityText().as("entity_text"));
    Column phrase = trim(regexp_replace(col(KgSchemas.RELATION), "_", " "));
    Column relation = when(col(RankingQueries.INVERSE), concat(lit("inverse "), phrase)).otherwise(phrase);
    return keys.join(texts, col(RankingQueries.SOURCE).equalTo(col("eid"))).select(col(QUERY_KEY).as(Columns.ID), concat(relation, lit(": "), col("entity_text")).as(Columns.TEXT));
  }

  private static Column entityText() {
    return when(trim(col(KgSchemas.NAME)).equalTo(""), col(KgSchemas.DESCRIPTION)).otherwise(concat(col(KgSchemas.NAME), lit(": "), col(KgSchemas.DESCRIPTION)));
  }
}
