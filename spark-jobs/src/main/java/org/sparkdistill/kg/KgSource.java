package org.sparkdistill.kg;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.DistillConfig;

/**
 * Reads the graph that {@code kg.source} names:
 *
 * <ul>
 *   <li>{@code wordnet}: WordNet's data files in {@code kg.wordnetDir} ({@link WordNetParser},
 *       {@link WordNetGraph}; parsed on the driver, about 22 MB);
 *   <li>{@code parquet}, {@code csv}, {@code tsv}: a user's entity table ({@code kg.entities}) and
 *       triple table ({@code kg.triples}), read with Spark's readers (so they scale with the
 *       cluster), columns named by {@code kg.columns}; csv and tsv with RFC 4180 quoting, fields
 *       may span lines, a header row unless {@code kg.header: false} (columns {@code _c0}, ...).
 *       Every column is cast to a string; a missing column is an error naming the file, the
 *       column and the columns found.
 * </ul>
 */
public final class KgSource {
  public static final List<String> SOURCES = List.of("wordnet", "parquet", "csv", "tsv");

  private KgSource() {}

  /** The rules of {@code kg.*} that relate fields ({@link org.sparkdistill.config.ConfigLoader}). */
  public static List<String> configErrors(DistillConfig.KgSettings kg) {
    List<String> errors = new ArrayList<>();
    if (!SOURCES.contains(kg.source)) {
      errors.add("kg.source must be one of " + SOURCES + ", got: " + kg.source);
    } else if (!kg.source.equals("wordnet")) {
      if (kg.entities == null || kg.entities.isBlank()) {
        errors.add("kg.entities must name the entity table when kg.source is " + kg.source);
      }
      if (kg.triples == null || kg.triples.isBlank()) {
        errors.add("kg.triples must name the triple table when kg.source is " + kg.source);
      }
    }
    if (kg.split != null && kg.split.validFraction + kg.split.testFraction >= 1) {
      errors.add("kg.split.validFraction + kg.split.testFraction must be < 1 (train needs triples), got: " + kg.split.validFraction + " + " + kg.split.testFraction);
    }
    if (kg.relations != null && kg.relations.stream().anyMatch(r -> r == null || r.isBlank())) {
      errors.add("kg.relations must not contain blank names, got: " + kg.relations);
    }
    return errors;
  }

  /** The graph of {@code kg}. */
  public static KgTables read(SparkSession spark, DistillConfig.KgSettings kg) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    if (kg.source.equals("wordnet")) {
      WordNetGraph graph = WordNetGraph.of(WordNetParser.read(kg.wordnetDir, conf));
      Map<String, Long> counts = new java.util.LinkedHashMap<>(graph.counts());
      java.util.Set<String> keep = null;
      if (kg.sampleEntities > 0) {
        List<String[]> edges = new ArrayList<>(graph.triples().size());
        for (KgTriple t : graph.triples()) {
          edges.add(new String[] {t.head(), t.tail()});
        }
        KgSample.Result sample = KgSample.sample(edges, kg.sampleEntities, kg.sampleSeed);
        keep = sample.entities();
        counts.put("sample.pieces", (long) sample.pieces());
      }
      List<Row> entities = new ArrayList<>(graph.entities().size());
      for (KgEntity e : graph.entities()) {
        if (keep == null || keep.contains(e.id())) {
          entities.add(RowFactory.create(e.id(), e.name(), e.description()));
        }
      }
      List<Row> facts = new ArrayList<>(graph.triples().size());
      for (KgTriple t : graph.triples()) {
        if (keep == null || (keep.contains(t.head()) && keep.contains(t.tail()))) {
          facts.add(RowFactory.create(t.head(), t.relation(), t.tail()));
        }
      }
      List<String> relations = kg.relations.isEmpty() ? WordNetRelations.NAMES : kg.relations;
      return new KgTables(distributed(spark, entities, KgSchemas.entities()), distributed(spark, facts, KgSchemas.facts()), relations, counts, keep != null);
    }
    DistillConfig.KgColumnSettings c = kg.columns;
    Dataset<Row> entities =
        select(table(spark, kg, kg.entities, "kg.entities"), kg.entities, "kg.entities",
            new String[] {c.entityId, c.entityName, c.entityDescription}, new String[] {"kg.columns.entityId", "kg.columns.entityName", "kg.columns.entityDescription"},
            new String[] {KgSchemas.ID, KgSchemas.NAME, KgSchemas.DESCRIPTION});
    entities = entities.withColumn(KgSchemas.NAME, coalesce(col(KgSchemas.NAME), lit("")));
    Dataset<Row> facts =
        select(table(spark, kg, kg.triples, "kg.triples"), kg.triples, "kg.triples",
            new String[] {c.head, c.relation, c.tail}, new String[] {"kg.columns.head", "kg.columns.relation", "kg.columns.tail"},
            new String[] {KgSchemas.HEAD, KgSchemas.RELATION, KgSchemas.TAIL});
    List<String> relations = kg.relations;
    if (relations.isEmpty()) {
      relations = facts.select(KgSchemas.RELATION).where(col(KgSchemas.RELATION).isNotNull()).distinct().orderBy(KgSchemas.RELATION)
          .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    }
    return new KgTables(entities.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK()), facts.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK()), relations, Map.of(), false);
  }

  /**
   * Driver-built rows as a cached, partitioned table: a plain {@code createDataFrame(list)} would
   * be a local relation that every later job ships and rescans whole.
   */
  private static Dataset<Row> distributed(SparkSession spark, List<Row> rows, org.apache.spark.sql.types.StructType schema) {
    int slices = Math.max(1, Math.min(spark.sparkContext().defaultParallelism(), 1 + rows.size() / 20_000));
    var rdd = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, slices);
    return spark.createDataFrame(rdd, schema).persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
  }

  private static Dataset<Row> table(SparkSession spark, DistillConfig.KgSettings kg, String path, String key) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    try {
      Path p = new Path(path);
      if (!p.getFileSystem(conf).exists(p)) {
        throw new IllegalArgumentException(key + " " + path + " does not exist: point " + key + " at a " + kg.source + " file or directory");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot check " + key + " " + path, e);
    }
    if (kg.source.equals("parquet")) {
      return spark.read().parquet(path);
    }
    return spark.read()
        .option("header", kg.header)
        .option("sep", kg.source.equals("tsv") ? "\t" : ",")
        .option("quote", "\"")
        .option("escape", "\"")
        .option("multiLine", true)
        .option("inferSchema", false)
        .option("encoding", "UTF-8")
        .csv(path);
  }

  private static Dataset<Row> select(Dataset<Row> table, String path, String key, String[] columns, String[] settings, String[] as) {
    List<String> found = Arrays.asList(table.columns());
    List<org.apache.spark.sql.Column> out = new ArrayList<>();
    for (int i = 0; i < columns.length; i++) {
      if (!found.contains(columns[i])) {
        throw new IllegalArgumentException(
            key + " " + path + " has no column '" + columns[i] + "' (" + settings[i] + "); its columns are " + found + ": set " + settings[i] + " to the right one");
      }
      out.add(col("`" + columns[i] + "`").cast("string").as(as[i]));
    }
    return table.select(out.toArray(new org.apache.spark.sql.Column[0]));
  }
}
