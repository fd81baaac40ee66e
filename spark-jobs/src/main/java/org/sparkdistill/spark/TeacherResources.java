package org.sparkdistill.spark;

import java.util.Locale;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.config.DistillConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage-level scheduling for the teacher stages: runs their {@code mapPartitions} on an RDD
 * carrying a task-only {@link ResourceProfile} ({@code resources.teacherTaskGpus} GPUs and {@code
 * resources.teacherTaskCpus} cores per task), so the GPU is requested by those tasks only. Spark
 * 3.5 attaches profiles to RDDs, not Datasets: the rows go through {@code toJavaRDD()}, {@code
 * mapPartitions}, {@code withResources} and back with {@code createDataFrame}; the profile covers
 * the whole stage that writes the output (the write is a narrow step of the same stage).
 *
 * <p>Task-only profiles need no dynamic allocation but are refused in plain local mode; there
 * (and with no resources configured) the Dataset's own {@code mapPartitions} runs unchanged.
 */
public final class TeacherResources {
  private static final Logger LOG = LoggerFactory.getLogger(TeacherResources.class);

  private TeacherResources() {}

  /** The task-only profile the settings ask for, or empty when they ask for nothing. */
  public static Optional<ResourceProfile> profile(DistillConfig.ResourceSettings r) {
    validate(r);
    if (r.teacherTaskGpus == 0 && r.teacherTaskCpus == 0) {
      return Optional.empty();
    }
    TaskResourceRequests task = new TaskResourceRequests();
    if (r.teacherTaskCpus > 0) {
      task.cpus(r.teacherTaskCpus);
    }
    if (r.teacherTaskGpus > 0) {
      task.resource("gpu", r.teacherTaskGpus);
    }
    return Optional.of(new ResourceProfileBuilder().require(task).build());
  }

  /** Checks the settings; the message names the key, the rule and the value. */
  public static void validate(DistillConfig.ResourceSettings r) {
    double g = r.teacherTaskGpus;
    boolean whole = g >= 1 && g == Math.rint(g);
    boolean fraction = g > 0 && g <= 0.5 && Math.abs(1 / g - Math.rint(1 / g)) < 1e-9;
    if (!(g == 0 || whole || fraction)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "resources.teacherTaskGpus must be 0, a whole number, or 1/n for n tasks sharing one GPU (0.5, 0.25, ...), got: %s",
              g));
    }
    if (r.teacherTaskCpus < 0) {
      throw new IllegalArgumentException("resources.teacherTaskCpus must be >= 0 (0 keeps spark.task.cpus), got: " + r.teacherTaskCpus);
    }
  }

  /** True where Spark accepts task-only profiles without dynamic allocation. */
  static boolean supportsTaskProfiles(String master) {
    return master.startsWith("spark://")
        || master.startsWith("local-cluster")
        || master.equals("yarn")
        || master.startsWith("k8s://");
  }

  /**
   * {@code in.mapPartitions(fn)} with the teacher profile attached where one is configured and the
   * master supports it.
   */
  public static Dataset<Row> mapPartitions(
      Dataset<Row> in, MapPartitionsFunction<Row, Row> fn, StructType schema, DistillConfig.ResourceSettings settings, String stage) {
    Optional<ResourceProfile> profile = profile(settings);
    SparkSession spark = in.sparkSession();
    String master = spark.sparkContext().master();
    if (profile.isEmpty()) {
      return in.mapPartitions(fn, Encoders.row(schema));
    }
    if (!supportsTaskProfiles(master)) {
      LOG.warn("{}: master {} does not schedule task resource profiles; running without {}", stage, master, profile.get());
      return in.mapPartitions(fn, Encoders.row(schema));
    }
    JavaRDD<Row> rows = in.toJavaRDD().mapPartitions(fn::call).withResources(profile.get());
    rows.setName(stage + " (teacher profile " + profile.get().id() + ")");
    LOG.info("{}: tasks use resource profile {}", stage, profile.get());
    return spark.createDataFrame(rows, schema);
  }
}
