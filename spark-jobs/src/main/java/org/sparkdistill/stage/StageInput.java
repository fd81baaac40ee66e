package org.sparkdistill.stage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StageOutput;

/**
 * A handle on a finished stage output that another stage reads: where it is, the manifest it was
 * checked against, and typed readers of what that manifest lists (never anything else in the
 * directory).
 */
public record StageInput(String stage, StageOutput output, Manifest manifest, SparkSession spark) {

  public String fingerprint() {
    return manifest.fingerprint();
  }

  /** The listed Parquet data, with {@code schema} checked first. */
  public Dataset<Row> read(StructType schema) {
    return output.read(spark, manifest, schema);
  }

  /** The run directory the manifest names. */
  public Path runDir() {
    return output.newRunDir(manifest.runId());
  }

  /** The listed file whose name ends with {@code name}. */
  public String file(String name) {
    return manifest.files().stream()
        .filter(f -> f.equals(name) || f.endsWith("/" + name))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("the " + stage + " output at " + output.dir() + " lists no " + name + ": rerun the " + stage + " stage with --overwrite"));
  }

  /** Opens a listed file. */
  public InputStream open(String name) throws IOException {
    return output.open(file(name));
  }

  /** Every listed file's bytes by file name (small outputs: a model's files). */
  public Map<String, byte[]> files() {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String file : manifest.files()) {
      try (InputStream in = output.open(file)) {
        out.put(new Path(file).getName(), in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + " of the " + stage + " output at " + output.dir(), e);
      }
    }
    return out;
  }
}
