package org.sparkdistill.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.sparkdistill.io.Fingerprints;
import org.sparkdistill.udfs.model.ModelFile;

/**
 * The driver's side of model files: a configured path or URI, qualified against the session's
 * Hadoop configuration (so a relative path means the same file to the manifest and to the
 * executors), with the sha256 the manifest records (memoised by {@link Fingerprints}).
 */
public final class ModelFiles {
  private ModelFiles() {}

  /** The active session's Hadoop configuration, wrapped for shipping to executors. */
  public static SerializableConfiguration sessionConf() {
    return new SerializableConfiguration(new Configuration(SparkSession.active().sparkContext().hadoopConfiguration()));
  }

  /**
   * {@code configured} qualified and fingerprinted.
   *
   * @throws IllegalArgumentException naming {@code role} and the file when it does not exist
   */
  public static ModelFile resolve(String role, String configured, SerializableConfiguration conf) {
    ModelFile unhashed = ModelFile.resolve(role, configured, "", conf);
    String sha256 = Fingerprints.sha256File(role, unhashed.uri(), conf.value());
    return new ModelFile(role, unhashed.uri(), sha256, conf);
  }
}
