package org.sparkdistill.data;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;

/**
 * Seeded, group-aware split assignment; every decision is a {@link Hashing hash} of row values, so
 * the same config gives the same split on any cluster.
 *
 * <ol>
 *   <li>Each group goes to test when {@code u < testFraction}, to validation when {@code u <
 *       testFraction + validationFraction}, else to the pool, with {@code u = unit("split", seed,
 *       group)}. Groups never straddle test, validation and the pool.
 *   <li>{@code labelledPerClass > 0}: per label, the first {@code labelledPerClass} pool rows in
 *       the order of {@code hash("train", labelSeed, id)} form the train split (all of them when a class
 *       has fewer); every other pool row goes to transfer. This picks rows, not groups: a group can
 *       have rows in both train and transfer (both are the training side; neither meets test or
 *       validation). Cost: a per-label top-k over the pool and a broadcast join of the chosen ids.
 *   <li>{@code labelledPerClass == 0}: a pool group goes to transfer when {@code unit("transfer",
 *       labelSeed, group) < transferFraction}, else to train.
 * </ol>
 *
 * Transfer rows lose their label here, before anything downstream can read it.
 */
final class SplitAssigner {
  private static final String POOL = "_pool";
  private static final String TRAIN_ID = "_train_id";
  private static final String RANK = "_train_rank";

  private SplitAssigner() {}

  /**
   * Adds {@link Columns#SPLIT} to rows of {@link RawColumns#schema()} and nulls the transfer
   * labels; lazy.
   */
  static Dataset<Row> assign(Dataset<Row> rows, DistillConfig.SplitSettings split) {
    Column u = Hashing.unit("split", split.seed, col(RawColumns.GROUP));
    Column first =
        when(u.lt(lit(split.testFraction)), lit(Split.TEST.value()))
            .when(u.lt(lit(split.testFraction + split.validationFraction)), lit(Split.VALIDATION.value()))
            .otherwise(lit(POOL));
    Dataset<Row> withSplit = rows.withColumn(Columns.SPLIT, first);
    Column pool = col(Columns.SPLIT).equalTo(lit(POOL));
    Column splitColumn;
    if (split.labelledPerClass > 0) {
      Dataset<Row> trainIds =
          withSplit
              .filter(pool)
              .select(col(RawColumns.ID), col(RawColumns.LABEL))
              .withColumn(
                  RANK,
                  row_number()
                      .over(
                          Window.partitionBy(RawColumns.LABEL)
                              .orderBy(Hashing.hash("train", split.effectiveLabelSeed(), col(RawColumns.ID)), col(RawColumns.ID))))
              .filter(col(RANK).leq(lit(split.labelledPerClass)))
              .select(col(RawColumns.ID).as(TRAIN_ID));
      withSplit = withSplit.join(broadcast(trainIds), col(RawColumns.ID).equalTo(col(TRAIN_ID)), "left_outer");
      splitColumn =
          when(pool.and(col(TRAIN_ID).isNotNull()), lit(Split.TRAIN.value()))
              .when(pool, lit(Split.TRANSFER.value()))
              .otherwise(col(Columns.SPLIT));
    } else {
      Column toTransfer = Hashing.unit("transfer", split.effectiveLabelSeed(), col(RawColumns.GROUP)).lt(lit(split.transferFraction));
      splitColumn =
          when(pool.and(toTransfer), lit(Split.TRANSFER.value()))
              .when(pool, lit(Split.TRAIN.value()))
              .otherwise(col(Columns.SPLIT));
    }
    Column isTransfer = col(Columns.SPLIT).equalTo(lit(Split.TRANSFER.value()));
    return withSplit
        .withColumn(Columns.SPLIT, splitColumn)
        .withColumn(RawColumns.LABEL, when(isTransfer, lit(null).cast("string")).otherwise(col(RawColumns.LABEL)));
  }
}
