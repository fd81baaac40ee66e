package org.sparkdistill.udfs.transformer;

import java.util.List;
import java.util.Map;

/**
 * What a fine-tuning run did; the model holds the best epoch's parameters.
 *
 * @param bestEpoch the epoch (1-based) with the best validation accuracy (ties: lower loss)
 * @param epochsRun epochs trained before early stopping or the maximum
 * @param steps optimizer steps taken
 * @param bestValidationAccuracy validation accuracy at the best epoch
 * @param bestValidationLoss validation cross-entropy at the best epoch
 * @param history per epoch: epoch, trainLoss, validationLoss, validationAccuracy, learningRate, seconds
 * @param trainExamplesPerSecond training texts per second (forward + backward + step), over all epochs
 */
public record FineTuneResult(
    int bestEpoch, int epochsRun, long steps, double bestValidationAccuracy, double bestValidationLoss, List<Map<String, Object>> history, double trainExamplesPerSecond) {}
