package org.sparkdistill.udfs.model;

import java.nio.file.Path;

/** A teacher file exists but could not be loaded (not a valid TorchScript archive, engine failure). */
public final class TeacherLoadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public TeacherLoadException(Path file, String message, Throwable cause) {
    super(message, cause);
    this.file = file;
  }

  /** The file that failed to load. */
  public Path file() {
    return file;
  }
}
