/**
 * Stage outputs on any Hadoop filesystem: {@link org.sparkdistill.io.StageOutput} (run
 * directories, listing, footer row counts), {@link org.sparkdistill.io.Manifest} and {@link
 * org.sparkdistill.io.StagePlan} (what an output was made from, fingerprints, differences), and the
 * one publish primitive, {@link org.sparkdistill.io.VersionedFiles}: write-once numbered records,
 * used for manifests and checkpoint commits.
 */
package org.sparkdistill.io;
