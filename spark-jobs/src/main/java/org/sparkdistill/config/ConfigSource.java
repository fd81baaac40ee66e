package org.sparkdistill.config;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads a config file named by a Hadoop URI before any SparkSession exists. In cluster deploy
 * mode the driver runs on a cluster node, so a path on the submitting machine does not exist
 * there: either ship the file ({@code --files conf/yarn.yaml} puts {@code yarn.yaml} in the YARN
 * and Kubernetes driver's working directory; pass {@code --config yarn.yaml}) or keep it on a
 * filesystem the driver can read and pass its URI ({@code --config hdfs:///conf/yarn.yaml}, {@code
 * s3a://bucket/conf/k8s.yaml}).
 *
 * <p>The Hadoop configuration is the node's ({@code core-site.xml} etc. on the classpath, as on
 * YARN) plus every {@code spark.hadoop.*} system property, which spark-submit sets from {@code
 * --conf spark.hadoop.fs.s3a.endpoint=...} and the like.
 */
public final class ConfigSource {
  /** Appended to "does not exist" errors. */
  static final String CLUSTER_HINT =
      " (in cluster deploy mode the driver runs on a cluster node: ship the file with --files <file> and"
          + " pass --config <its file name>, or pass a URI the driver can read: hdfs:///..., s3a://..., file:/...)";
  private static final Pattern URI = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:/.*");
  private static final long MAX_BYTES = 4 << 20;

  private ConfigSource() {}

  /** True for {@code scheme:/...}; plain paths (relative or absolute) are read from local disk. */
  public static boolean isUri(String location) {
    return URI.matcher(location).matches();
  }

  /** The file's text (UTF-8), read through Hadoop's FileSystem for the URI's scheme. */
  public static String read(String uri) {
    Path path = new Path(uri);
    try {
      FileSystem fs = path.getFileSystem(hadoopConfiguration(System.getProperties()));
      if (!fs.exists(path) || fs.getFileStatus(path).isDirectory()) {
        throw new IllegalArgumentException("config file does not exist: " + uri + CLUSTER_HINT);
      }
      long length = fs.getFileStatus(path).getLen();
      if (length > MAX_BYTES) {
        throw new IllegalArgumentException("config file " + uri + " is " + length + " bytes; a config is at most " + MAX_BYTES);
      }
      try (InputStream in = fs.open(path)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException("config file does not exist: " + uri + CLUSTER_HINT, e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + uri + ": " + e.getMessage(), e);
    }
  }

  /** The node's Hadoop configuration with {@code spark.hadoop.*} properties applied (prefix removed). */
  static Configuration hadoopConfiguration(Properties properties) {
    Configuration conf = new Configuration();
    for (String key : properties.stringPropertyNames()) {
      if (key.startsWith("spark.hadoop.")) {
        conf.set(key.substring("spark.hadoop.".length()), properties.getProperty(key));
      }
    }
    return conf;
  }
}
