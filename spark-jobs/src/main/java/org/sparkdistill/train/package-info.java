/**
 * The driver's training loops: {@link org.sparkdistill.train.StudentTrainer} (featurize, epochs,
 * validation), the epoch seam {@link org.sparkdistill.train.EpochRunner} ({@link
 * org.sparkdistill.train.DriverEpochs} today), listeners ({@link
 * org.sparkdistill.train.EarlyStopping}, checkpoints) and write-once checkpoints ({@link
 * org.sparkdistill.train.CheckpointStore}). The per-batch step and the optimizer live in {@code
 * org.sparkdistill.udfs.train}, so executors can run them too.
 */
package org.sparkdistill.train;
