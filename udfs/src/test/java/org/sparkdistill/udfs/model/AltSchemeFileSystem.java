package org.sparkdistill.udfs.model;

import java.io.File;
import java.net.URI;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under another scheme ({@code alt:}), standing in for a remote filesystem (HDFS,
 * S3A) in tests: model files on it take the fetch-and-verify path, not the in-place one.
 */
public class AltSchemeFileSystem extends RawLocalFileSystem {
  @Override
  public URI getUri() {
    return URI.create("alt:///");
  }

  @Override
  public String getScheme() {
    return "alt";
  }

  @Override
  protected void checkPath(Path path) {}

  @Override
  public File pathToFile(Path path) {
    return new File(path.toUri().getPath());
  }
}
