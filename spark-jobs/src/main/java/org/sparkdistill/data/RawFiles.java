package org.sparkdistill.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Opens raw input on any Hadoop filesystem (local, HDFS, S3A, ...), with a clear missing-file error. */
final class RawFiles {
  private RawFiles() {}

  /**
   * Requires {@code path} to exist; {@code expected} says what the format needs there.
   *
   * @throws IllegalArgumentException naming the path when it does not exist
   */
  static FileStatus require(String path, Configuration conf, String expected) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        throw new IllegalArgumentException(
            "data.path " + path + " does not exist (resolved to " + fs.makeQualified(p) + "); expected " + expected);
      }
      return fs.getFileStatus(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read data.path " + path, e);
    }
  }

  /**
   * Opens one file, decompressing it when it starts with the gzip magic bytes (whatever its name).
   *
   * @throws IllegalArgumentException when the file is missing or is a directory
   */
  static InputStream open(String path, Configuration conf, String expected) {
    FileStatus status = require(path, conf, expected);
    if (status.isDirectory()) {
      throw new IllegalArgumentException("data.path " + path + " is a directory; expected " + expected);
    }
    try {
      InputStream in = new BufferedInputStream(status.getPath().getFileSystem(conf).open(status.getPath()), 1 << 16);
      in.mark(2);
      int b0 = in.read();
      int b1 = in.read();
      in.reset();
      return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open data.path " + path, e);
    }
  }

  /**
   * The data files at {@code path}: the file itself, or every file below the directory whose name
   * does not start with {@code _} or {@code .} (Spark's and Hadoop's markers and checksums).
   */
  static java.util.List<FileStatus> dataFiles(String path, Configuration conf) {
    Path p = new Path(path);
    java.util.List<FileStatus> out = new java.util.ArrayList<>();
    try {
      FileSystem fs = p.getFileSystem(conf);
      org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> it = fs.listFiles(p, true);
      while (it.hasNext()) {
        FileStatus f = it.next();
        String name = f.getPath().getName();
        if (!name.startsWith("_") && !name.startsWith(".")) {
          out.add(f);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list data.path " + path, e);
    }
    out.sort(java.util.Comparator.comparing(f -> f.getPath().toString()));
    return out;
  }
}
