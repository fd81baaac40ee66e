/**
 * Knowledge-graph completion on executors and in the driver's training loop: the SimKGC
 * bi-encoder ({@link org.sparkdistill.udfs.kgc.BiEncoder}, two trainable BERT encoders and a
 * learnable temperature), its contrastive loss ({@link org.sparkdistill.udfs.kgc.SimKgcLoss}),
 * its fine-tuning loop ({@link org.sparkdistill.udfs.kgc.BiEncoderTrainer}) and the partition
 * function that encodes entity and query texts with a fine-tuned artifact.
 */
package org.sparkdistill.udfs.kgc;
