package org.sparkdistill.udfs.model;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.util.SerializableConfiguration;

/**
 * A model or tokenizer file as the driver planned it: its fully qualified Hadoop URI (resolved
 * once, on the driver, against {@code fs.defaultFS}: the same file the manifest's sha256
 * describes), that sha256, and the Hadoop configuration to read it with on executors. Loaders
 * call {@link #localPath()}, which copies a remote file (HDFS, S3A, ...) into a local cache keyed
 * by the sha256 and verifies the bytes; see {@link VerifiedModelFiles}.
 *
 * <p>Serialized into every task: the configuration object is shared by the files of one spec, and
 * Java serialization writes a shared object once.
 *
 * @param role the config key naming the file, used in errors (e.g. {@code encoder.model})
 * @param uri fully qualified URI, e.g. {@code hdfs://nn:8020/models/m.onnx} or {@code file:/opt/m.onnx}
 * @param sha256 the bytes' sha256 as recorded in the stage manifest (lower-case hex)
 * @param hadoop the configuration to open {@code uri} with
 */
public record ModelFile(String role, String uri, String sha256, SerializableConfiguration hadoop) implements Serializable {

  /**
   * The file {@code configured} (a path or URI from the config) qualified against {@code conf}'s
   * default filesystem, with its expected sha256.
   */
  public static ModelFile resolve(String role, String configured, String sha256, SerializableConfiguration conf) {
    Path path = new Path(configured);
    try {
      FileSystem fs = path.getFileSystem(conf.value());
      return new ModelFile(role, fs.makeQualified(path).toString(), sha256, conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resolve " + role + " " + configured, e);
    }
  }

  /**
   * A local file whose current bytes are the expectation (tests, benchmarks and driver-side tools
   * that have no manifest). A missing file gets an empty sha256 and fails to load, naming the file.
   */
  public static ModelFile local(String role, java.nio.file.Path file) {
    java.nio.file.Path absolute = file.toAbsolutePath().normalize();
    String sha = Files.isRegularFile(absolute) ? VerifiedModelFiles.sha256(absolute) : "";
    return new ModelFile(role, absolute.toUri().toString(), sha, new SerializableConfiguration(new Configuration()));
  }

  /** A local, verified copy of the file (see {@link VerifiedModelFiles#localCopy}). */
  public java.nio.file.Path localPath() {
    return VerifiedModelFiles.localCopy(this);
  }

  /** The URI's last path component. */
  public String fileName() {
    return new Path(uri).getName();
  }

  /** Identifies the file's bytes in {@link ModelCache} keys. */
  public String cacheKey() {
    return uri + "#sha256=" + sha256;
  }

  @Override
  public String toString() {
    return role + " " + uri + " (sha256 " + sha256 + ")";
  }
}
