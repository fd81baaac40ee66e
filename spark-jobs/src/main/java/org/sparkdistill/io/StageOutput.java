package org.sparkdistill.io;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.udfs.schema.CacheSchemas;

/**
 * One stage's output directory on any Hadoop filesystem (local, HDFS, S3A, ...):
 *
 * <pre>
 *   output/
 *     _manifest.json        published last; lists the files below
 *     run-&lt;runId&gt;/part-*.parquet
 * </pre>
 *
 * Each run writes into a fresh {@code run-<runId>} directory and then publishes the manifest (a
 * temporary file renamed over the old one where the filesystem can, a single write where it
 * cannot). Until then readers see the previous manifest or none. Run directories that no manifest
 * names are leftovers of failed runs and are removed by the next run.
 */
public final class StageOutput {
  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final String RUN_PREFIX = "run-";

  private final Path dir;
  private final Configuration conf;

  public StageOutput(String dir, Configuration conf) {
    this.dir = new Path(dir);
    this.conf = conf;
  }

  public Path dir() {
    return dir;
  }

  public Path manifestPath() {
    return new Path(dir, Manifest.FILE_NAME);
  }

  /** The published manifest, if the stage has finished here. */
  public Optional<Manifest> manifest() {
    Path path = manifestPath();
    try {
      FileSystem fs = fs();
      if (!fs.exists(path)) {
        return Optional.empty();
      }
      try (InputStream in = fs.open(path)) {
        return Optional.of(JSON.readValue(in, Manifest.class));
      }
    } catch (IOException e) {
      throw new IllegalStateException("manifest " + path + " is unreadable or not a spark-distill manifest: " + e.getMessage(), e);
    }
  }

  /**
   * The manifest of a finished output of {@code stage}, for a stage that reads it.
   *
   * @throws IllegalStateException when the output is unfinished, from another stage or from
   *     another schema version
   */
  public Manifest requireFinished(String stage) {
    Manifest manifest =
        manifest()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "input "
                            + dir
                            + " has no "
                            + Manifest.FILE_NAME
                            + ": the "
                            + stage
                            + " stage has not finished there (run it first)"));
    if (!stage.equals(manifest.stage())) {
      throw new IllegalStateException(
          "input " + dir + " was written by stage " + manifest.stage() + ", expected stage " + stage);
    }
    if (manifest.schemaVersion() != CacheSchemas.VERSION) {
      throw new IllegalStateException(
          "input "
              + dir
              + " has schema version "
              + manifest.schemaVersion()
              + ", this build reads version "
              + CacheSchemas.VERSION
              + ": rerun the "
              + stage
              + " stage with --overwrite");
    }
    return manifest;
  }

  /** Reads the files {@code manifest} lists, with {@code schema} checked first. */
  public Dataset<Row> read(SparkSession spark, Manifest manifest, StructType schema) {
    List<String> parquet = new ArrayList<>();
    for (String file : manifest.files()) {
      if (file.endsWith(".parquet")) {
        parquet.add(new Path(dir, file).toString());
      }
    }
    if (parquet.isEmpty()) {
      return spark.createDataFrame(List.of(), schema);
    }
    Dataset<Row> data = spark.read().parquet(parquet.toArray(new String[0]));
    SchemaCheck.require(data.schema(), schema, dir.toString());
    return data.select(SchemaCheck.columns(schema));
  }

  /** A new, empty run directory for {@code runId}. */
  public Path newRunDir(String runId) {
    return new Path(dir, RUN_PREFIX + runId);
  }

  /** Files under {@code runDir} that belong to the output, relative to the output directory. */
  public List<String> listDataFiles(Path runDir) {
    List<String> files = new ArrayList<>();
    try {
      RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> it = fs().listFiles(runDir, true);
      String base = fs().makeQualified(dir).toUri().getPath();
      while (it.hasNext()) {
        FileStatus status = it.next();
        String relative = status.getPath().toUri().getPath().substring(base.length() + 1);
        if (hidden(relative)) {
          continue;
        }
        files.add(relative);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + runDir, e);
    }
    files.sort(String::compareTo);
    return files;
  }

  /**
   * True when any component of {@code relative} starts with {@code _} or {@code .}: Hadoop's
   * committers keep attempts under {@code _temporary/} (a failed job can leave {@code
   * _temporary/0/_temporary/attempt_.../part-*} behind, and S3A's staging committers
   * {@code __magic}), checksums are {@code .crc}, markers {@code _SUCCESS}; none is data.
   */
  static boolean hidden(String relative) {
    for (String part : relative.split("/")) {
      if (part.startsWith("_") || part.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** Rows in the listed Parquet files, read from their footers (exact, and immune to task retries). */
  public long countRows(List<String> files) {
    long rows = 0;
    for (String file : files) {
      if (!file.endsWith(".parquet")) {
        continue;
      }
      try (ParquetFileReader reader =
          ParquetFileReader.open(HadoopInputFile.fromPath(new Path(dir, file), conf))) {
        rows += reader.getRecordCount();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read Parquet footer of " + new Path(dir, file), e);
      }
    }
    return rows;
  }

  /**
   * Publishes {@code manifest}: the one step that makes the output visible. Afterwards removes run
   * directories the manifest does not name (the previous run's, or failed runs').
   */
  public void publish(Manifest manifest) {
    Path target = manifestPath();
    Path temp = new Path(dir, "._manifest-" + manifest.runId() + ".json.tmp");
    try {
      FileSystem fs = fs();
      try (OutputStream out = fs.create(temp, true)) {
        JSON.writeValue(out, manifest);
      }
      try {
        FileContext.getFileContext(dir.toUri(), conf).rename(temp, target, Options.Rename.OVERWRITE);
      } catch (UnsupportedOperationException | IOException renameFailed) {
        // Object stores: a single PUT is atomic, a rename is not.
        try (OutputStream out = fs.create(target, true)) {
          JSON.writeValue(out, manifest);
        }
        fs.delete(temp, false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish manifest " + target, e);
    }
    removeUnlistedRuns(manifest);
  }

  /** Deletes run directories that the current manifest (if any) does not reference. */
  public void removeUnlistedRuns(Manifest current) {
    String keep = current == null ? null : RUN_PREFIX + current.runId();
    try {
      FileSystem fs = fs();
      if (!fs.exists(dir)) {
        return;
      }
      for (FileStatus status : fs.listStatus(dir)) {
        String name = status.getPath().getName();
        if (status.isDirectory() && name.startsWith(RUN_PREFIX) && !name.equals(keep)) {
          fs.delete(status.getPath(), true);
        }
        if (name.startsWith("._manifest-") && (current == null || !name.contains(current.runId()))) {
          fs.delete(status.getPath(), false);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + dir, e);
    }
  }

  /** Opens a file inside a published output for reading. */
  public InputStream open(String relativeFile) throws IOException {
    return fs().open(new Path(dir, relativeFile));
  }

  /** Creates a file inside a run directory. */
  public OutputStream create(Path runDir, String name) throws IOException {
    return fs().create(new Path(runDir, name), false);
  }

  FileSystem fs() throws IOException {
    return dir.getFileSystem(conf);
  }
}
