package org.sparkdistill.data;

/**
 * One input row breaks a rule of its source. With {@code data.onInvalid: fail} it stops {@code
 * prepare} (its message names the file, the place, the id and the rule); with {@code skip} the
 * source catches it and moves the row to the quarantine. Errors about a whole file are plain
 * {@link IllegalArgumentException}s and stop {@code prepare} either way.
 */
final class InvalidRowException extends IllegalArgumentException {
  private final String file;
  private final String location;
  private final String id;
  private final String reason;

  InvalidRowException(String file, String location, String id, String reason) {
    super(file + ", " + location + (id == null ? "" : " (id \"" + id + "\")") + ": " + reason);
    this.file = file;
    this.location = location;
    this.id = id;
    this.reason = reason;
  }

  String file() {
    return file;
  }

  String location() {
    return location;
  }

  /** The row's id, or null where it had none or could not be parsed. */
  String id() {
    return id;
  }

  String reason() {
    return reason;
  }
}
