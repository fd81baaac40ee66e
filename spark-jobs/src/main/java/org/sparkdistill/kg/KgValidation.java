package org.sparkdistill.kg;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The checks a graph must pass before anything is written, each a one-line error with the count
 * and the first offending ids (Spark jobs: a few aggregations and anti-joins; only the first {@value
 * #SHOWN} offenders reach the driver):
 *
 * <ul>
 *   <li>entities: a blank id, an id that occurs twice, a blank description;
 *   <li>triples: a blank head, relation or tail; a relation outside the relation set; a head or
 *       tail that no entity has; a triple that occurs more than once.
 * </ul>
 */
public final class KgValidation {
  static final int SHOWN = 5;

  private KgValidation() {}

  /**
   * @param where how messages name the tables ({@code kg.entities}/{@code kg.triples} paths, or
   *     the WordNet directory)
   * @throws IllegalArgumentException at the first broken rule
   */
  public static void check(KgTables tables, String entitiesWhere, String triplesWhere) {
    Dataset<Row> e = tables.entities();
    Dataset<Row> f = tables.facts();
    blank(e, KgSchemas.ID, entitiesWhere, "entities have a blank id");
    List<Row> dup = e.groupBy(KgSchemas.ID).agg(count(lit(1)).as("n")).where(col("n").gt(1)).orderBy(KgSchemas.ID).collectAsList();
    if (!dup.isEmpty()) {
      throw new IllegalArgumentException(
          entitiesWhere + ": " + dup.size() + " entity ids occur more than once, e.g. " + first(dup, r -> r.getString(0) + " (" + r.getLong(1) + "x)")
              + ": every entity needs one row");
    }
    blank(e, KgSchemas.DESCRIPTION, entitiesWhere, "entities have no description");
    for (String column : List.of(KgSchemas.HEAD, KgSchemas.RELATION, KgSchemas.TAIL)) {
      Column bad = col(column).isNull().or(trim(col(column)).equalTo(""));
      long n = f.where(bad).count();
      if (n > 0) {
        throw new IllegalArgumentException(triplesWhere + ": " + n + " triples have a blank " + column + ": every triple needs a head, a relation and a tail");
      }
    }
    Dataset<Row> relations = f.sparkSession().createDataset(tables.relations(), org.apache.spark.sql.Encoders.STRING()).toDF(KgSchemas.RELATION);
    List<Row> unknownRelations =
        f.join(relations, f.col(KgSchemas.RELATION).equalTo(relations.col(KgSchemas.RELATION)), "left_anti")
            .groupBy(KgSchemas.RELATION).agg(count(lit(1)).as("n")).orderBy(col("n").desc(), col(KgSchemas.RELATION)).collectAsList();
    if (!unknownRelations.isEmpty()) {
      long n = unknownRelations.stream().mapToLong(r -> r.getLong(1)).sum();
      throw new IllegalArgumentException(
          triplesWhere + ": " + n + " triples name " + unknownRelations.size() + " relations outside the relation set " + tables.relations() + ": "
              + first(unknownRelations, r -> r.getString(0) + " (" + r.getLong(1) + ")") + "; add them to kg.relations or remove those triples");
    }
    Dataset<Row> ids = e.select(col(KgSchemas.ID).as("known"));
    for (String column : List.of(KgSchemas.HEAD, KgSchemas.TAIL)) {
      Dataset<Row> unknown = f.join(ids, f.col(column).equalTo(ids.col("known")), "left_anti");
      List<Row> shown = unknown.groupBy(column).agg(count(lit(1)).as("n")).orderBy(col("n").desc(), col(column)).limit(SHOWN).collectAsList();
      if (!shown.isEmpty()) {
        long triples = unknown.count();
        long distinct = unknown.select(column).distinct().count();
        throw new IllegalArgumentException(
            triplesWhere + ": " + triples + " triples name " + distinct + " " + column + " entities that " + entitiesWhere + " lacks, e.g. "
                + first(shown, r -> r.getString(0) + " (" + r.getLong(1) + " triples)") + ": add the entities or remove those triples");
      }
    }
    Dataset<Row> dups = f.groupBy(KgSchemas.HEAD, KgSchemas.RELATION, KgSchemas.TAIL).agg(count(lit(1)).as("n")).where(col("n").gt(1));
    List<Row> shown = dups.orderBy(col("n").desc(), col(KgSchemas.HEAD), col(KgSchemas.RELATION), col(KgSchemas.TAIL)).limit(SHOWN).collectAsList();
    if (!shown.isEmpty()) {
      long n = dups.count();
      throw new IllegalArgumentException(
          triplesWhere + ": " + n + " triples occur more than once, e.g. " + first(shown, r -> "(" + r.getString(0) + ", " + r.getString(1) + ", " + r.getString(2) + ") " + r.getLong(3) + "x")
              + ": keep one row per triple");
    }
  }

  private static void blank(Dataset<Row> e, String column, String where, String what) {
    Column bad = col(column).isNull().or(trim(col(column)).equalTo(""));
    Dataset<Row> rows = e.where(bad);
    List<Row> shown = rows.select(column.equals(KgSchemas.ID) ? col(KgSchemas.DESCRIPTION) : col(KgSchemas.ID)).limit(SHOWN).collectAsList();
    if (!shown.isEmpty()) {
      long n = rows.count();
      String label = column.equals(KgSchemas.ID) ? "descriptions " : "";
      throw new IllegalArgumentException(
          where + ": " + n + " " + what + " (column " + column + "), e.g. " + label + first(shown, r -> String.valueOf(r.get(0)))
              + (column.equals(KgSchemas.ID) ? ": give every entity an id" : ": every entity needs a description, the text the encoder reads"));
    }
  }

  private static String first(List<Row> rows, java.util.function.Function<Row, String> show) {
    return rows.stream().limit(SHOWN).map(show).collect(Collectors.joining(", ")) + (rows.size() > SHOWN ? ", ..." : "");
  }
}
