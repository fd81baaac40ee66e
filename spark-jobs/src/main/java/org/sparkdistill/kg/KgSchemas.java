package org.sparkdistill.kg;

import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createStructField;

import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The Parquet contract of a knowledge graph, as the {@code kg-graph} stage writes it (and as a
 * user's graph is read, after renaming by {@code kg.columns}): an entity table and a triple table.
 */
public final class KgSchemas {
  public static final String ID = "id";
  public static final String NAME = "name";
  public static final String DESCRIPTION = "description";
  public static final String HEAD = "head";
  public static final String RELATION = "relation";
  public static final String TAIL = "tail";
  public static final String SPLIT = "split";

  public static final String TRAIN = "train";
  public static final String VALID = "valid";
  public static final String TEST = "test";

  private KgSchemas() {}

  /** id (unique), name (may be empty), description (non-blank). */
  public static StructType entities() {
    return new StructType(
        new StructField[] {
          createStructField(ID, StringType, false), createStructField(NAME, StringType, false), createStructField(DESCRIPTION, StringType, false),
        });
  }

  /** head, relation, tail: the facts before the split. */
  public static StructType facts() {
    return new StructType(
        new StructField[] {
          createStructField(HEAD, StringType, false), createStructField(RELATION, StringType, false), createStructField(TAIL, StringType, false),
        });
  }

  /** head, relation, tail and split (train, valid or test). */
  public static StructType triples() {
    return facts().add(createStructField(SPLIT, StringType, false));
  }
}
