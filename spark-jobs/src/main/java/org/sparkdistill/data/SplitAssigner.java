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
 *   <li>Validation keeps the labels of at most {@code validationPerClass} rows per class (default:
 *       the label budget); the others stay in the validation split unlabelled, so early stopping
 *       and setting choices see no more labels than a user with that budget would have.
 * </ol>
 *
 * Transfer rows lose their label here, before anything downstream can read it.
 */
final class SplitAssigner {
  private static final String POOL = "_pool";
  private static final String TRAIN_ID = "_train_id";
  private static final String RANK = "_train_rank";
  private static final String VALIDATION_ID = "_validation_id";

  private SplitAssigner() {}

  /**
   * Adds {@link Columns#SPLIT} to rows of {@link RawColumns#schema()} and nulls the transfer
   * labels; lazy.
   */
  static Dataset<Row> assign(Dataset<Row> rows, DistillConfig.SplitSettings split) {
    Dataset<Row> withSplit = rows.withColumn(Columns.SPLIT, firstSplit(split));
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
    Dataset<Row> assigned =
        withSplit
            .withColumn(Columns.SPLIT, splitColumn)
            .withColumn(RawColumns.LABEL, when(isTransfer, lit(null).cast("string")).otherwise(col(RawColumns.LABEL)));
    return capValidationLabels(assigned, split);
  }

  /**
   * {@code test}, {@code validation} or {@link #POOL} per row, from {@code unit("split", seed,
   * group)}: the first step above.
   */
  static Column firstSplit(DistillConfig.SplitSettings split) {
    Column u = Hashing.unit("split", split.seed, col(RawColumns.GROUP));
    return when(u.lt(lit(split.testFraction)), lit(Split.TEST.value()))
        .when(u.lt(lit(split.testFraction + split.validationFraction)), lit(Split.VALIDATION.value()))
        .otherwise(lit(POOL));
  }

  /** The value {@link #firstSplit} gives the rows that go on to train and transfer. */
  static String pool() {
    return POOL;
  }

  /**
   * Keeps the labels of at most {@code validationPerClass} validation rows per label (the first in
   * the order of {@code hash("validation", labelSeed, id)}) and nulls the others' labels: model
   * selection then sees no more labels than the budget. The rows stay in the validation split
   * (scored, never trained on). Cost: a per-label top-k over the validation rows and a broadcast
   * join of the kept ids.
   */
  private static Dataset<Row> capValidationLabels(Dataset<Row> rows, DistillConfig.SplitSettings split) {
    int cap = split.effectiveValidationPerClass();
    if (cap <= 0) {
      return rows;
    }
    Column validation = col(Columns.SPLIT).equalTo(lit(Split.VALIDATION.value()));
    Dataset<Row> keptIds =
        rows.filter(validation)
            .select(col(RawColumns.ID), col(RawColumns.LABEL))
            .withColumn(
                RANK,
                row_number()
                    .over(
                        Window.partitionBy(RawColumns.LABEL)
                            .orderBy(Hashing.hash("validation", split.effectiveLabelSeed(), col(RawColumns.ID)), col(RawColumns.ID))))
            .filter(col(RANK).leq(lit(cap)))
            .select(col(RawColumns.ID).as(VALIDATION_ID));
    Column keep = col(Columns.SPLIT).notEqual(lit(Split.VALIDATION.value())).or(col(VALIDATION_ID).isNotNull());
    return rows.join(broadcast(keptIds), col(RawColumns.ID).equalTo(col(VALIDATION_ID)), "left_outer")
        .withColumn(RawColumns.LABEL, when(keep, col(RawColumns.LABEL)).otherwise(lit(null).cast("string")))
        .drop(VALIDATION_ID);
  }
}
