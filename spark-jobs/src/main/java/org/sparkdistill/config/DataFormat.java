package org.sparkdistill.config;

/** {@code data.format}: how the raw data is read (see {@code org.sparkdistill.data.ExamplePreparer}). */
public enum DataFormat {
  /** Debian package descriptions, one JSON object per line, optionally gzipped; parsed on the driver. */
  DEBIAN_JSONL,
  /** IMDB reviews as JSON (the npm package's layout); parsed on the driver. */
  IMDB_JSON,
  /** A user's Parquet dataset with the columns named in {@code data.columns}; read with Spark. */
  PARQUET,
  /** CSV with a header row (unless {@code data.header: false}), RFC 4180 quoting; read with Spark. */
  CSV,
  /** Tab-separated, like {@link #CSV}. */
  TSV,
  /** One JSON object per line, optionally gzipped; read with Spark. */
  JSONL;

  /** The configuration spelling ({@code debian-jsonl}, {@code imdb-json}, {@code parquet}). */
  @Override
  public String toString() {
    return ConfigEnums.name(this);
  }
}
