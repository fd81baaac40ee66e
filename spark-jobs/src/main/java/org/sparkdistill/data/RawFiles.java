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
}
