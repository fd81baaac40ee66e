package org.sparkdistill.teacher;

/**
 * One epoch of {@link HeadTrainer#train}: the mean training loss over the epoch's mini-batches
 * (dropout on, weighted by batch size) and the validation loss and accuracy with dropout off.
 *
 * @param epoch 1-based
 */
public record EpochStats(
    int epoch, double trainLoss, double validationLoss, double validationAccuracy) {}
