/**
 * The per-batch training pieces, shared by the driver's loop and data-parallel tasks on
 * executors: the loss seam ({@link org.sparkdistill.udfs.train.StudentLoss}, with plain KD in
 * {@link org.sparkdistill.udfs.train.KdLoss}), one step that returns gradients ({@link
 * org.sparkdistill.udfs.train.TrainingStep}, {@link org.sparkdistill.udfs.train.Gradients}) and an
 * Adam optimiser that applies given gradients and checkpoints exactly ({@link
 * org.sparkdistill.udfs.train.ResumableAdam}). Loops, listeners and checkpoints live in the
 * driver's {@code org.sparkdistill.train}.
 */
package org.sparkdistill.udfs.train;
