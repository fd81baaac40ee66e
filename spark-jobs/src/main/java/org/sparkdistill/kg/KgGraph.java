package org.sparkdistill.kg;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.io.SchemaCheck;
import org.sparkdistill.stage.StageInput;

/**
 * A finished {@code kg-graph} output: its entity and triple tables, read from the files its
 * manifest lists (never anything else in the directory).
 */
public record KgGraph(Dataset<Row> entities, Dataset<Row> triples) {
  /** The graph of {@code input} (the {@link KgGraphStage} output). */
  public static KgGraph read(StageInput input) {
    return new KgGraph(table(input, "entities", KgSchemas.entities()), table(input, "triples", KgSchemas.triples()));
  }

  private static Dataset<Row> table(StageInput input, String name, StructType schema) {
    List<String> files = new ArrayList<>();
    for (String f : input.manifest().files()) {
      if (f.endsWith(".parquet") && f.contains("/" + name + "/")) {
        files.add(new Path(input.output().dir(), f).toString());
      }
    }
    if (files.isEmpty()) {
      return input.spark().createDataFrame(List.of(), schema);
    }
    Dataset<Row> data = input.spark().read().parquet(files.toArray(new String[0]));
    SchemaCheck.require(data.schema(), schema, input.output().dir() + " (" + name + ")");
    return data.select(SchemaCheck.columns(schema));
  }

  /** The triples of {@code split}. */
  public Dataset<Row> split(String split) {
    return triples.where(triples.col(KgSchemas.SPLIT).equalTo(split));
  }
}
