/**
 * Uncertainty estimation for classifier heads: numerically stable softmax, Monte Carlo dropout
 * statistics (predictive entropy, certainty, per-class variance, BALD mutual information) and
 * deterministic dropout masks.
 *
 * <p>Everything here is a pure function of its inputs. In particular the MC dropout masks are
 * derived from a stable row key, the pass index and a seed, never from a shared random stream, so
 * a retried or speculatively re-executed Spark task writes bit-identical numbers regardless of how
 * rows were batched or which thread scored them.
 */
package org.sparkdistill.udfs.uncertainty;
