package org.sparkdistill.kg;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A graph as read from its source, before checks, sampling and split.
 *
 * @param entities {@link KgSchemas#entities()}
 * @param facts {@link KgSchemas#facts()}
 * @param relations the relations a fact may name
 * @param counts what reading removed (WordNet: {@link WordNetGraph#counts()}; empty otherwise)
 * @param sampled true when the source already applied {@code kg.sampleEntities} (WordNet samples
 *     on the driver, before any Spark job)
 */
public record KgTables(Dataset<Row> entities, Dataset<Row> facts, List<String> relations, Map<String, Long> counts, boolean sampled) {}
