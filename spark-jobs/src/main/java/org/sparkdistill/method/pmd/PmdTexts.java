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
    return keys.join(texts, col(RankingQueries.SOURCE).equalTo(col("eid"))).select(col(QUERY_KEY).as(Columns.ID), queryText(col("entity_text")).as(Columns.TEXT));
  }

  /** Columns of {@link #pairs}. */
  public static final String QUERY_TEXT = "query_text";
  public static final String SOURCE_TEXT = "source_text";
  public static final String TARGET_TEXT = "target_text";

  /**
   * The training pairs of {@code triples} (head, relation, tail): per triple a forward pair (query
   * (h, r), answer t) and an inverse pair (query (t, r⁻¹), answer h), with the query key and text,
   * the source and answer ids and both entities' texts ({@link RankingQueries}' columns source and
   * target, {@link #QUERY_KEY}, {@link #QUERY_TEXT}, {@link #SOURCE_TEXT}, {@link #TARGET_TEXT}).
   */
  public static Dataset<Row> pairs(Dataset<Row> triples, Dataset<Row> entities) {
    Dataset<Row> texts = entities.select(col(KgSchemas.ID).as("eid"), entityText().as("etext"));
    Dataset<Row> directed = directed(triples);
    Dataset<Row> withSource = directed.join(texts, col(RankingQueries.SOURCE).equalTo(col("eid"))).select(directed.col("*"), col("etext").as(SOURCE_TEXT));
    return withSource.join(texts, col(RankingQueries.TARGET).equalTo(col("eid")))
        .select(queryKey().as(QUERY_KEY), queryText(col(SOURCE_TEXT)).as(QUERY_TEXT), col(RankingQueries.SOURCE), col(SOURCE_TEXT), col(RankingQueries.TARGET), col("etext").as(TARGET_TEXT));
  }

  /** Per query key of {@code triples}' pairs, every answering entity: ({@link #QUERY_KEY}, answers array). */
  public static Dataset<Row> answers(Dataset<Row> triples) {
    return directed(triples).groupBy(queryKey().as(QUERY_KEY)).agg(org.apache.spark.sql.functions.collect_set(col(RankingQueries.TARGET)).as("answers"));
  }

  /** (source, relation, inverse, target) for both directions of every triple. */
  private static Dataset<Row> directed(Dataset<Row> triples) {
    Dataset<Row> forward = triples.select(col(KgSchemas.HEAD).as(RankingQueries.SOURCE), col(KgSchemas.RELATION), lit(false).as(RankingQueries.INVERSE), col(KgSchemas.TAIL).as(RankingQueries.TARGET));
    Dataset<Row> backward = triples.select(col(KgSchemas.TAIL).as(RankingQueries.SOURCE), col(KgSchemas.RELATION), lit(true).as(RankingQueries.INVERSE), col(KgSchemas.HEAD).as(RankingQueries.TARGET));
    return forward.unionByName(backward);
  }

  /** The query text over the source entity's text: the relation phrase ("inverse " first for a backward query), ": ", the text. */
  private static Column queryText(Column sourceText) {
    Column phrase = trim(regexp_replace(col(KgSchemas.RELATION), "_", " "));
    Column relation = when(col(RankingQueries.INVERSE), concat(lit("inverse "), phrase)).otherwise(phrase);
    return concat(relation, lit(": "), sourceText);
  }

  private static Column entityText() {
    return when(trim(col(KgSchemas.NAME)).equalTo(""), col(KgSchemas.DESCRIPTION)).otherwise(concat(col(KgSchemas.NAME), lit(": "), col(KgSchemas.DESCRIPTION)));
  }
}
