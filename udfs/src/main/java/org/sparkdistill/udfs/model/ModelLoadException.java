package org.sparkdistill.udfs.model;

/** A model file is missing, unreadable or not the format its loader expects. */
public final class ModelLoadException extends RuntimeException {
  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
