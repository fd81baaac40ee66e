package org.sparkdistill.cli;

/**
 * Thrown from {@code main} under spark-submit after Spark has stopped, so that the cluster
 * manager sees a failed driver; the error itself has already been printed on stderr.
 */
public final class CliFailedException extends RuntimeException {
  private final int exitCode;

  public CliFailedException(int exitCode) {
    super("spark-distill failed with exit code " + exitCode + " (" + meaning(exitCode) + "; the error is printed above)");
    this.exitCode = exitCode;
  }

  /** 1: a stage failed, 2: a usage error. */
  public int exitCode() {
    return exitCode;
  }

  private static String meaning(int code) {
    return code == 2 ? "usage error" : "a stage failed";
  }
}
