package org.sparkdistill.stage;

import java.util.List;

/** A finished output exists, was made from other inputs or settings, and --overwrite was not given. */
public final class OutputConflictException extends RuntimeException {
  private final List<String> differences;

  public OutputConflictException(String stage, String path, List<String> differences) {
    super(
        "refusing to replace the finished "
            + stage
            + " output at "
            + path
            + ", which was made from other inputs or settings:\n  - "
            + String.join("\n  - ", differences)
            + "\nrerun with --overwrite to replace it (atomically), or point workDir elsewhere");
    this.differences = List.copyOf(differences);
  }

  public List<String> differences() {
    return differences;
  }
}
