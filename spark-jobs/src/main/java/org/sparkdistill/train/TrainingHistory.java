package org.sparkdistill.train;

/**
 * One epoch of student training.
 *
 * @param epoch 1-based
 * @param trainLoss mean loss over the epoch's batches
 * @param validationAccuracy accuracy on the validation split, dropout off
 */
public record TrainingHistory(int epoch, double trainLoss, double validationAccuracy) {}
