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
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
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
 *     _manifest.00000002.json   the current manifest: published last, lists the files below
 *     _manifest.00000001.json   the previous one (kept until the next publication)
 *     run-&lt;runId&gt;/part-*.parquet
 * </pre>
 *
 * Each run writes into a fresh {@code run-<runId>} directory and then publishes the next
 * write-once manifest record ({@link VersionedFiles}); no file is ever overwritten, so on local
 * disk, HDFS and S3A there is no moment without a complete manifest. Until then readers see the
 * previous manifest or none. Run directories that no retained manifest names are leftovers of
 * failed runs and are removed by the next run.
 */
public final class StageOutput {
  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final String RUN_PREFIX = "run-";

  /** Manifest records kept: the current one and the one before, for readers racing a publication. */
  static final int RETAINED_MANIFESTS = 2;

  private final Path dir;
  private final Configuration conf;
  private final VersionedFiles<Manifest> manifests;

  public StageOutput(String dir, Configuration conf) {
    this.dir = new Path(dir);
    this.conf = conf;
    this.manifests = new VersionedFiles<>(this.dir, Manifest.RECORD_PREFIX, Manifest.class, conf);
  }

  public Path dir() {
    return dir;
  }

  /** The path of the current manifest (the highest-numbered record), or of the first one to come. */
  public Path manifestPath() {
    List<Long> numbers = manifests.numbers();
    return manifests.path(numbers.isEmpty() ? 1 : numbers.get(numbers.size() - 1));
  }

  /** The published manifest, if the stage has finished here. */
  public Optional<Manifest> manifest() {
    try {
      return manifests.latest().map(VersionedFiles.Version::value);
    } catch (IllegalStateException e) {
      throw new IllegalStateException("manifest of " + dir + ": " + e.getMessage(), e);
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
   * Publishes {@code manifest} as the next write-once manifest record ({@link VersionedFiles}): the
   * one step that makes the output visible. Afterwards removes older records and the run
   * directories no retained record names; the previous manifest and its run stay until the next
   * publication, so a reader that opened it while this run finished still reads complete data.
   */
  public void publish(Manifest manifest) {
    manifests.publish(manifest);
    manifests.retainLatest(RETAINED_MANIFESTS);
    removeUnlistedRuns();
  }

  /** Deletes run directories that no retained manifest record references (leftovers of failed runs). */
  public void removeUnlistedRuns() {
    java.util.Set<String> keep = new java.util.HashSet<>();
    for (long number : manifests.numbers()) {
      try {
        keep.add(RUN_PREFIX + manifests.read(number).runId());
      } catch (java.io.FileNotFoundException vanished) {
        // removed by a concurrent cleanup: nothing to keep for it
      }
    }
    try {
      FileSystem fs = fs();
      if (!fs.exists(dir)) {
        return;
      }
      for (FileStatus status : fs.listStatus(dir)) {
        String name = status.getPath().getName();
        if (status.isDirectory() && name.startsWith(RUN_PREFIX) && !keep.contains(name)) {
          fs.delete(status.getPath(), true);
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
