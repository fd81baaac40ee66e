package org.sparkdistill.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * sha256 of strings and files. File hashes are memoised per JVM by (path, length, modification
 * time): hashing a 90 MB model costs about a third of a second, once.
 */
public final class Fingerprints {
  private static final Map<String, String> FILE_HASHES = new ConcurrentHashMap<>();

  private Fingerprints() {}

  public static String sha256(String text) {
    return HexFormat.of().formatHex(digest().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * sha256 of a file's bytes, on any Hadoop filesystem.
   *
   * @throws IllegalArgumentException naming the file (and what it is for) when it does not exist
   */
  public static String sha256File(String role, String file, Configuration conf) {
    Path path = new Path(file);
    try {
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path) || fs.getFileStatus(path).isDirectory()) {
        throw new IllegalArgumentException(role + " file does not exist: " + file);
      }
      FileStatus status = fs.getFileStatus(path);
      String key = status.getPath() + "@" + status.getLen() + "/" + status.getModificationTime();
      return FILE_HASHES.computeIfAbsent(key, k -> hash(fs, path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + role + " file " + file, e);
    }
  }

  /**
   * Fingerprint of a data input: the sha256 of a single file's bytes, or, for a directory (a
   * partitioned dataset that may be terabytes), the sha256 of its listing: every file's relative
   * path, length and modification time.
   */
  public static String sha256Data(String role, String fileOrDir, Configuration conf) {
    Path path = new Path(fileOrDir);
    try {
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        throw new IllegalArgumentException(role + " does not exist: " + fileOrDir);
      }
      if (!fs.getFileStatus(path).isDirectory()) {
        return sha256File(role, fileOrDir, conf);
      }
      java.util.List<String> entries = new java.util.ArrayList<>();
      String base = fs.makeQualified(path).toUri().getPath();
      var it = fs.listFiles(path, true);
      while (it.hasNext()) {
        FileStatus status = it.next();
        String rel = status.getPath().toUri().getPath().substring(base.length());
        entries.add(rel + "\t" + status.getLen() + "\t" + status.getModificationTime());
      }
      entries.sort(String::compareTo);
      return sha256("listing\n" + String.join("\n", entries));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + role + " " + fileOrDir, e);
    }
  }

  private static String hash(FileSystem fs, Path path) {
    MessageDigest md = digest();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = fs.open(path)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        md.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
