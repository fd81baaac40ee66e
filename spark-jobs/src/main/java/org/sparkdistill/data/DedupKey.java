package org.sparkdistill.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.sparkdistill.config.DataFormat;

/**
 * The text that decides whether two rows are duplicates, as a SHA-256 hex digest so the shuffle
 * carries 64 characters per row instead of the text.
 *
 * <p>The text is whitespace-normalised: every run of ASCII whitespace (space, tab, newline, CR,
 * form feed, vertical tab) becomes one space and the ends are trimmed; case and every other
 * character are kept. For {@code debian-jsonl} the key is the long description only (the text
 * after its first line, the short description), because binary packages of one source often
 * repeat the long description under a different short one ("... (data files)"); a text with no
 * (or a blank) long description is keyed by its whole text. Every other format keys the whole
 * text.
 */
final class DedupKey {
  private DedupKey() {}

  /** The key column for rows of {@link RawColumns#schema()} read in {@code format}. */
  static Column of(DataFormat format) {
    Column whole = normalise(col(RawColumns.TEXT));
    if (format != DataFormat.DEBIAN_JSONL) {
      return sha2(whole, 256);
    }
    Column longDescription = normalise(regexp_replace(col(RawColumns.TEXT), "^[^\\n]*\\n", ""));
    return sha2(when(longDescription.equalTo(lit("")), whole).otherwise(longDescription), 256);
  }

  private static Column normalise(Column text) {
    return trim(regexp_replace(text, "\\s+", " "));
  }
}
