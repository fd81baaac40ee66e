package org.sparkdistill.data;

/** One raw input format. Reading validates everything and throws on the first bad row. */
interface RawSource {
  /**
   * Reads and validates the source.
   *
   * @throws IllegalArgumentException naming the file, row and value of the first problem
   */
  RawData read();
}
