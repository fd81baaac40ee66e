package org.sparkdistill.udfs.model;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a {@link ModelFile} to local disk and checks that its bytes have the sha256 the manifest
 * recorded, so what executors load is the file the driver fingerprinted.
 *
 * <ul>
 *   <li>{@code file:} URIs are read in place and hashed (about 0.3 s for a 90 MB model), once per
 *       JVM and file version (length, modification time).
 *   <li>Any other scheme (HDFS, S3A, ...) is copied through Hadoop's FileSystem into {@code
 *       <cache>/<sha256>/<file name>}, hashed while copying and renamed into place only when the
 *       hash matches; later tasks and executors on the node reuse the copy (verified again once
 *       per JVM). Cache directory: system property {@value #CACHE_DIR_PROPERTY} (set it in {@code
 *       spark.executor.extraJavaOptions}, e.g. to a node-local SSD or an image path), else the
 *       environment variable {@code SPARK_DISTILL_MODEL_CACHE}, else {@code
 *       java.io.tmpdir/spark-distill-models}.
 * </ul>
 *
 * A mismatch is a {@link ModelLoadException} naming the file, both hashes and the fix.
 */
public final class VerifiedModelFiles {
  /**
   * System property naming the local model cache directory. Not {@code spark.*}: Spark refuses
   * {@code -Dspark...} in {@code spark.executor.extraJavaOptions}.
   */
  public static final String CACHE_DIR_PROPERTY = "distill.modelCacheDir";

  private static final Logger LOG = LoggerFactory.getLogger(VerifiedModelFiles.class);
  private static final Map<String, Path> VERIFIED = new ConcurrentHashMap<>();

  private VerifiedModelFiles() {}

  /** A local path holding exactly the bytes {@code file} describes. */
  public static Path localCopy(ModelFile file) {
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file.uri());
    FileStatus status;
    FileSystem fs;
    try {
      fs = path.getFileSystem(file.hadoop().value());
      status = fs.getFileStatus(path);
    } catch (FileNotFoundException e) {
      throw new ModelLoadException(
          file.role() + " file does not exist: " + file.uri() + " (executors read it through Hadoop: use a URI every node can read, e.g. hdfs:///models/..., s3a://bucket/..., or a path present on every node)",
          e);
    } catch (IOException e) {
      throw new ModelLoadException("cannot read " + file.role() + " file " + file.uri() + ": " + e.getMessage(), e);
    }
    if (status.isDirectory()) {
      throw new ModelLoadException(file.role() + " must be a file, got a directory: " + file.uri());
    }
    String key = file.cacheKey() + "@" + status.getLen() + "/" + status.getModificationTime();
    return VERIFIED.computeIfAbsent(key, k -> fetch(file, fs, path));
  }

  private static Path fetch(ModelFile file, FileSystem fs, org.apache.hadoop.fs.Path path) {
    if ("file".equals(path.toUri().getScheme())) {
      Path local = Paths.get(path.toUri());
      check(file, sha256(local));
      return local;
    }
    if (!file.sha256().matches("[0-9a-f]{64}")) {
      throw new ModelLoadException(file.role() + " " + file.uri() + ": expected sha256 is not 64 hex digits: '" + file.sha256() + "'");
    }
    Path dir = cacheRoot().resolve(file.sha256());
    Path target = dir.resolve(file.fileName());
    try {
      if (Files.isRegularFile(target)) {
        if (sha256(target).equals(file.sha256())) {
          return target;
        }
        LOG.warn("Cached copy {} of {} is damaged; fetching it again", target, file.uri());
        Files.delete(target);
      }
      Files.createDirectories(dir);
      Path partial = Files.createTempFile(dir, file.fileName(), ".part");
      MessageDigest md = digest();
      long start = System.nanoTime();
      try (InputStream in = fs.open(path);
          OutputStream out = Files.newOutputStream(partial)) {
        byte[] buffer = new byte[1 << 16];
        int n;
        while ((n = in.read(buffer)) > 0) {
          md.update(buffer, 0, n);
          out.write(buffer, 0, n);
        }
      }
      String actual = HexFormat.of().formatHex(md.digest());
      if (!actual.equals(file.sha256())) {
        Files.deleteIfExists(partial);
        check(file, actual);
      }
      try {
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
      }
      LOG.info("Fetched {} to {} in {} ms (sha256 verified)", file.uri(), target, (System.nanoTime() - start) / 1_000_000);
      return target;
    } catch (IOException e) {
      throw new ModelLoadException("cannot copy " + file.role() + " " + file.uri() + " to the local model cache " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void check(ModelFile file, String actual) {
    if (!actual.equals(file.sha256())) {
      throw new ModelLoadException(
          file.role() + " " + file.uri() + " has sha256 " + actual + " but the stage planned (manifest) sha256 '" + file.sha256()
              + "': the file changed after the driver fingerprinted it, or nodes see different files at that path."
              + " Put the model on a shared URI (hdfs://, s3a://) and rerun the stage (--overwrite if the change is intended)");
    }
  }

  /** The local cache root (see the class comment). */
  public static Path cacheRoot() {
    String configured = System.getProperty(CACHE_DIR_PROPERTY);
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("SPARK_DISTILL_MODEL_CACHE");
    }
    if (configured == null || configured.isBlank()) {
      return Paths.get(System.getProperty("java.io.tmpdir"), "spark-distill-models");
    }
    return Paths.get(configured);
  }

  /** sha256 of a local file's bytes, lower-case hex. */
  public static String sha256(Path file) {
    MessageDigest md = digest();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        md.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Forgets which files were verified (tests). */
  static void forgetVerified() {
    VERIFIED.clear();
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
