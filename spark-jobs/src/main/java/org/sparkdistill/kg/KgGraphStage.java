package org.sparkdistill.kg;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageWrite;

/**
 * {@code kg-graph}: the knowledge graph every KGC method reads. Reads {@code kg.source} ({@link
 * KgSource}), checks it ({@link KgValidation}: unknown entities or relations, blank descriptions,
 * duplicates are errors), removes self-loops, optionally keeps a seeded connected sample ({@link
 * KgSample}), splits the triples ({@link KgSplit}) and writes two Parquet tables into its run
 * directory: {@code entities/} ({@link KgSchemas#entities()}: the sampled entities, or every
 * entity of the source) and {@code triples/} ({@link KgSchemas#triples()}). Split counts are
 * {@code entities}, {@code train}, {@code valid}, {@code test}; the manifest's metrics hold what
 * every rule removed or moved, triples per relation and the tables' bytes on disk. Read it with
 * {@link KgGraph#read}.
 *
 * <p>Cost: WordNet is parsed on the driver (a few seconds); a user's tables are checked with a
 * few Spark aggregations and anti-joins; sampling collects the edge list to the driver.
 */
public final class KgGraphStage extends Stage {
  public static final String NAME = "kg-graph";
  private static final Logger LOG = LoggerFactory.getLogger(KgGraphStage.class);

  public KgGraphStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return "kg-graph: read, check, sample and split the knowledge graph";
  }

  @Override
  public StagePlan plan() {
    DistillConfig c = context.config();
    DistillConfig.KgSettings kg = c.kg;
    Configuration conf = context.spark().sparkContext().hadoopConfiguration();
    StagePlan plan = StagePlan.of(NAME);
    if (kg.source.equals("wordnet")) {
      plan.input("wordnet", Fingerprints.sha256Data("kg.wordnetDir", kg.wordnetDir, conf));
    } else {
      plan.input("entities", Fingerprints.sha256Data("kg.entities", kg.entities, conf)).input("triples", Fingerprints.sha256Data("kg.triples", kg.triples, conf));
      plan.settings(c, "kg.header", "kg.columns.entityId", "kg.columns.entityName", "kg.columns.entityDescription", "kg.columns.head", "kg.columns.relation", "kg.columns.tail");
    }
    return plan.settings(c, "kg.source", "kg.relations", "kg.sampleEntities", "kg.sampleSeed", "kg.split.seed", "kg.split.validFraction", "kg.split.testFraction");
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig.KgSettings kg = context.config().kg;
    KgTables tables = KgSource.read(context.spark(), kg);
    boolean wordnet = kg.source.equals("wordnet");
    KgValidation.check(tables, wordnet ? "WordNet " + kg.wordnetDir : "kg.entities " + kg.entities, wordnet ? "WordNet " + kg.wordnetDir : "kg.triples " + kg.triples);
    Map<String, Object> metrics = new LinkedHashMap<>();
    tables.counts().forEach(metrics::put);
    Dataset<Row> entities = tables.entities();
    Dataset<Row> facts = tables.facts();
    long sourceTriples = facts.count();
    metrics.put("sourceEntities", entities.count());
    metrics.put("sourceTriples", sourceTriples);
    Dataset<Row> noLoops = facts.where(col(KgSchemas.HEAD).notEqual(col(KgSchemas.TAIL)));
    long loops = sourceTriples - noLoops.count();
    metrics.put("selfLoopsRemoved", loops);
    facts = noLoops;
    if (kg.sampleEntities > 0 && !tables.sampled()) {
      List<String[]> edges = new ArrayList<>();
      for (Row r : facts.select(KgSchemas.HEAD, KgSchemas.TAIL).orderBy(KgSchemas.HEAD, KgSchemas.TAIL).collectAsList()) {
        edges.add(new String[] {r.getString(0), r.getString(1)});
      }
      KgSample.Result sample = KgSample.sample(edges, kg.sampleEntities, kg.sampleSeed);
      Dataset<Row> ids = context.spark().createDataset(new ArrayList<>(sample.entities()), Encoders.STRING()).toDF("sampled");
      entities = entities.join(broadcast(ids), col(KgSchemas.ID).equalTo(col("sampled")), "left_semi");
      Dataset<Row> heads = ids.withColumnRenamed("sampled", "h");
      Dataset<Row> tails = ids.withColumnRenamed("sampled", "t");
      facts = facts.join(broadcast(heads), col(KgSchemas.HEAD).equalTo(col("h")), "left_semi").join(broadcast(tails), col(KgSchemas.TAIL).equalTo(col("t")), "left_semi");
      metrics.put("sample.pieces", sample.pieces());
    }
    KgSplit.Result split = KgSplit.split(facts, kg.split);
    split.counts().forEach(metrics::put);
    String entitiesDir = new Path(runDir, "entities").toString();
    String triplesDir = new Path(runDir, "triples").toString();
    entities.select(col(KgSchemas.ID), col(KgSchemas.NAME), col(KgSchemas.DESCRIPTION)).orderBy(KgSchemas.ID).write().mode(SaveMode.ErrorIfExists).parquet(entitiesDir);
    split.triples().orderBy(KgSchemas.HEAD, KgSchemas.RELATION, KgSchemas.TAIL).write().mode(SaveMode.ErrorIfExists).parquet(triplesDir);
    facts.unpersist();
    tables.facts().unpersist();
    tables.entities().unpersist();
    Map<String, Long> counts = new TreeMap<>();
    counts.put("entities", context.spark().read().parquet(entitiesDir).count());
    for (String s : List.of(KgSchemas.TRAIN, KgSchemas.VALID, KgSchemas.TEST)) {
      counts.put(s, 0L);
    }
    Dataset<Row> written = context.spark().read().parquet(triplesDir);
    for (Row r : written.groupBy(KgSchemas.SPLIT).count().collectAsList()) {
      counts.put(r.getString(0), r.getLong(1));
    }
    Map<String, Long> perRelation = new TreeMap<>();
    for (Row r : written.groupBy(KgSchemas.RELATION).count().collectAsList()) {
      perRelation.put(r.getString(0), r.getLong(1));
    }
    metrics.put("triplesPerRelation", perRelation);
    metrics.put("relations", tables.relations());
    metrics.put("entitiesBytes", bytes(entitiesDir));
    metrics.put("triplesBytes", bytes(triplesDir));
    LOG.info("{}: {} entities, {} train / {} valid / {} test triples; entities {} bytes, triples {} bytes", NAME, counts.get("entities"), counts.get(KgSchemas.TRAIN),
        counts.get(KgSchemas.VALID), counts.get(KgSchemas.TEST), metrics.get("entitiesBytes"), metrics.get("triplesBytes"));
    StageWrite out = StageWrite.of(counts, 0);
    out.metrics().putAll(metrics);
    return out;
  }

  private long bytes(String dir) {
    try {
      Path p = new Path(dir);
      FileSystem fs = p.getFileSystem(context.spark().sparkContext().hadoopConfiguration());
      return fs.getContentSummary(p).getLength();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot size " + dir, e);
    }
  }
}
