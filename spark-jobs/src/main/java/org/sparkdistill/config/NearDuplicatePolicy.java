package org.sparkdistill.config;

/** {@code data.split.nearDuplicates}: which rows besides a configured group must share a split. */
public enum NearDuplicatePolicy {
  /**
   * Rows whose normalised first paragraph (longer than {@code data.split.nearDuplicateMinChars})
   * is equal are merged into one group, transitively.
   */
  FIRST_PARAGRAPH,
  /** The configured groups alone. */
  NONE;

  @Override
  public String toString() {
    return ConfigEnums.name(this);
  }
}
