package org.sparkdistill.config;

/**
 * {@code data.onInvalid}: what {@code prepare} does with a row that breaks a rule of its source
 * (blank id or text, a label outside {@code data.labels}, a repeated id, a line that is not a JSON
 * object, a missing key).
 */
public enum InvalidRowPolicy {
  /** Stop at the first invalid row, naming the file, line or row id, the rule and the value. */
  FAIL,
  /**
   * Leave invalid rows out of the examples and write each, with its reason and its raw content,
   * to the quarantine beside them ({@code _quarantine/} in the prepare output); fail when more
   * than {@code data.maxInvalidFraction} of the rows are invalid. Damage to a whole file (invalid
   * UTF-8, a truncated gzip stream, a JSON array that cannot be parsed further) still fails: the
   * rows after it cannot be told apart.
   */
  SKIP;

  @Override
  public String toString() {
    return ConfigEnums.name(this);
  }
}
