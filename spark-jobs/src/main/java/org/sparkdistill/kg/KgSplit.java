package org.sparkdistill.kg;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.shiftrightunsigned;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkdistill.config.DistillConfig;

/**
 * The seeded train/valid/test split of the triples, then WN18RR's filter:
 *
 * <ol>
 *   <li>draw: each triple goes to test with probability {@code kg.split.testFraction}, else to
 *       valid with {@code kg.split.validFraction}, else to train, by a seeded 64-bit hash of
 *       (seed, head, relation, tail) (Spark's {@code xxhash64}), so the split does not depend on
 *       partitioning or order;
 *   <li>unseen filter: a drawn valid or test triple whose head, tail or relation occurs in no
 *       drawn train triple moves to train (it could not be ranked fairly: its entity's text was
 *       never trained on). One pass against the drawn train set, so the result does not depend on
 *       the order of triples. Counted per split ({@code movedToTrain.valid}, {@code
 *       movedToTrain.test}).
 * </ol>
 *
 * Duplicates and self-loops never reach the split ({@link KgValidation}, {@link KgGraphStage}).
 * As in WN18RR, a symmetric relation's reverse triple may sit in train while the triple is in
 * test. Cost: two hash columns and three joins against the distinct train entities.
 */
public final class KgSplit {
  private KgSplit() {}

  /** The split triples ({@link KgSchemas#triples()}) and what the filter moved. */
  public record Result(Dataset<Row> triples, Map<String, Long> counts) {}

  public static Result split(Dataset<Row> facts, DistillConfig.KgSplitSettings s) {
    Column key = concat_ws("\u0001", col(KgSchemas.HEAD), col(KgSchemas.RELATION), col(KgSchemas.TAIL));
    Column u = shiftrightunsigned(xxhash64(lit("kg-split"), lit(s.seed), key), 11).cast("double").divide(lit(9007199254740992.0));
    Dataset<Row> drawn =
        facts.withColumn(KgSchemas.SPLIT, when(u.lt(s.testFraction), lit(KgSchemas.TEST)).when(u.lt(s.testFraction + s.validFraction), lit(KgSchemas.VALID)).otherwise(lit(KgSchemas.TRAIN)))
            .cache();
    Dataset<Row> train = drawn.where(col(KgSchemas.SPLIT).equalTo(KgSchemas.TRAIN));
    Dataset<Row> seen = train.select(col(KgSchemas.HEAD).as("e")).union(train.select(col(KgSchemas.TAIL).as("e"))).distinct();
    Dataset<Row> seenRelations = train.select(col(KgSchemas.RELATION).as("r")).distinct();
    Dataset<Row> flagged =
        drawn.join(seen.withColumnRenamed("e", "h_seen").withColumn("h_ok", lit(true)), col(KgSchemas.HEAD).equalTo(col("h_seen")), "left")
            .join(seen.withColumnRenamed("e", "t_seen").withColumn("t_ok", lit(true)), col(KgSchemas.TAIL).equalTo(col("t_seen")), "left")
            .join(seenRelations.withColumn("r_ok", lit(true)), col(KgSchemas.RELATION).equalTo(col("r")), "left");
    Column ok = col("h_ok").isNotNull().and(col("t_ok").isNotNull()).and(col("r_ok").isNotNull());
    Column moved = col(KgSchemas.SPLIT).notEqual(KgSchemas.TRAIN).and(ok.unary_$bang());
    Dataset<Row> marked = flagged.withColumn("moved", moved);
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Row r : marked.groupBy(KgSchemas.SPLIT, "moved").count().collectAsList()) {
      String split = r.getString(0);
      boolean m = r.getBoolean(1);
      counts.merge("drawn." + split, r.getLong(2), Long::sum);
      if (m) {
        counts.merge("movedToTrain." + split, r.getLong(2), Long::sum);
      }
    }
    for (String split : new String[] {KgSchemas.VALID, KgSchemas.TEST}) {
      counts.putIfAbsent("drawn." + split, 0L);
      counts.putIfAbsent("movedToTrain." + split, 0L);
    }
    Dataset<Row> out =
        marked.select(
            col(KgSchemas.HEAD), col(KgSchemas.RELATION), col(KgSchemas.TAIL),
            when(col("moved"), lit(KgSchemas.TRAIN)).otherwise(col(KgSchemas.SPLIT)).as(KgSchemas.SPLIT));
    return new Result(out, counts);
  }
}
