package org.sparkdistill.udfs.schema;

/** Column names of every Parquet contract between stages. Readers and writers use only these. */
public final class Columns {
  public static final String ID = "id";
  public static final String TEXT = "text";
  public static final String LABEL = "label";
  public static final String SPLIT = "split";
  public static final String GROUP = "group";
  public static final String NUM_TOKENS = "num_tokens";
  public static final String TRUNCATED = "truncated";
  public static final String FEATURES = "features";
  /** {@code cache.features: int8}: the features as d signed bytes (binary), value i = byte i x {@link #FEATURES_SCALE}. */
  public static final String FEATURES_INT8 = "features_int8";
  /** {@code cache.features: int8}: the row's scale, max|x| / 127 (float, 0 for an all-zero row). */
  public static final String FEATURES_SCALE = "features_scale";
  public static final String LOGITS = "logits";
  public static final String MEAN_PROBS = "mean_probs";
  public static final String ENTROPY = "entropy";
  public static final String CERTAINTY = "certainty";
  public static final String VARIANCE = "variance";
  public static final String MUTUAL_INFO = "mutual_info";
  public static final String PREDICTED = "predicted";
  public static final String TARGET = "target";
  public static final String WEIGHT = "weight";
  public static final String PROBABILITIES = "probabilities";
  /** Quarantine: the file a rejected row came from. */
  public static final String SOURCE_FILE = "source_file";
  /** Quarantine: where in the file ({@code line 12}, {@code element 7}, {@code row id "a1"}). */
  public static final String LOCATION = "location";
  /** Quarantine: the rule the row broke, with the bad value. */
  public static final String REASON = "reason";
  /** Quarantine: the row as read (the line, or the row's columns as JSON). */
  public static final String RAW = "raw";

  private Columns() {}
}
