/**
 * Training pieces for the student: the knowledge-distillation loss ({@link
 * org.sparkdistill.udfs.train.KdLoss}) and an Adam optimiser whose state can be checkpointed
 * ({@link org.sparkdistill.udfs.train.ResumableAdam}). The training loop itself lives
 * elsewhere.
 */
package org.sparkdistill.udfs.train;
