/**
 * PMD (progressive distillation with masked generation features, Fan et al. AAAI 2024) for
 * knowledge-graph completion on the {@code kg} graph. Today: the frozen bi-encoder baseline
 * ({@link org.sparkdistill.method.pmd.ZeroShotStage}) and its texts ({@link
 * org.sparkdistill.method.pmd.PmdTexts}); the fine-tuned teacher and the grades are to come.
 */
package org.sparkdistill.method.pmd;
