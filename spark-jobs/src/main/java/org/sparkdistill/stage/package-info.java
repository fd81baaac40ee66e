/**
 * The stages of the chain, one class each, and the rules they share ({@link
 * org.sparkdistill.stage.Stage}: skip, refuse or overwrite by fingerprint, a fresh run directory,
 * the manifest published last, job groups). A stage reads other stages' outputs only through
 * {@link org.sparkdistill.stage.StageGraph#input} ({@link org.sparkdistill.stage.StageInput}:
 * path, checked manifest, typed readers); {@link org.sparkdistill.stage.Chain} orders them.
 */
package org.sparkdistill.stage;
