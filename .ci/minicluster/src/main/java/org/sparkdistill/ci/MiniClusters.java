package org.sparkdistill.ci;

import java.io.File;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * Starts an HDFS (one NameNode, one DataNode) and a YARN (one ResourceManager, one NodeManager)
 * in this JVM on 127.0.0.1, writes the client configuration a user's HADOOP_CONF_DIR would hold
 * ({@code core-site.xml}, {@code hdfs-site.xml}, {@code yarn-site.xml}) into the directory given,
 * then a {@code ready} file, and runs until killed.
 *
 * <p>Usage: {@code MiniClusters <base dir> <conf dir> <NodeManager memory MB> <NodeManager vcores>}
 */
public final class MiniClusters {
  private MiniClusters() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: MiniClusters <base dir> <conf dir> <NodeManager memory MB> <NodeManager vcores>");
      System.exit(2);
    }
    File base = new File(args[0]).getAbsoluteFile();
    Path confDir = Path.of(args[1]).toAbsolutePath();
    Files.createDirectories(confDir);

    Configuration hdfsConf = new Configuration();
    hdfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(base, "dfs").getPath());
    hdfsConf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
    MiniDFSCluster dfs = new MiniDFSCluster.Builder(hdfsConf).numDataNodes(1).build();
    dfs.waitActive();
    String defaultFs = dfs.getFileSystem().getUri().toString();

    YarnConfiguration yarnConf = new YarnConfiguration();
    yarnConf.set("fs.defaultFS", defaultFs);
    yarnConf.set("yarn.scheduler.capacity.root.queues", "default");
    yarnConf.set("yarn.scheduler.capacity.root.default.capacity", "100");
    yarnConf.setInt(YarnConfiguration.NM_PMEM_MB, Integer.parseInt(args[2]));
    yarnConf.setInt(YarnConfiguration.NM_VCORES, Integer.parseInt(args[3]));
    yarnConf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
    yarnConf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, Integer.parseInt(args[2]));
    // The containers' heaps are set by Spark; the NodeManager's memory checks would kill JVMs whose
    // native libraries (ONNX Runtime) map more virtual memory than YARN expects.
    yarnConf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    yarnConf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    yarnConf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "99.9");
    yarnConf.set(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, "false");
    System.setProperty("test.build.data", new File(base, "yarn").getPath());
    MiniYARNCluster yarn = new MiniYARNCluster("spark-distill-ci", 1, 1, 1);
    yarn.init(yarnConf);
    yarn.start();
    Configuration started = yarn.getConfig();
    for (int i = 0; i < 100 && started.get(YarnConfiguration.RM_ADDRESS, "").endsWith(":0"); i++) {
      Thread.sleep(100);
    }

    Configuration core = new Configuration(false);
    core.set("fs.defaultFS", defaultFs);
    write(core, confDir.resolve("core-site.xml"));
    Configuration hdfsSite = new Configuration(false);
    hdfsSite.set("dfs.replication", "1");
    write(hdfsSite, confDir.resolve("hdfs-site.xml"));
    Configuration yarnSite = new Configuration(false);
    for (String key : new String[] {
        YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
        YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
        YarnConfiguration.RM_WEBAPP_ADDRESS}) {
      yarnSite.set(key, started.get(key));
    }
    yarnSite.set("yarn.scheduler.capacity.root.queues", "default");
    write(yarnSite, confDir.resolve("yarn-site.xml"));
    Files.writeString(confDir.resolve("ready"), defaultFs + "\n" + started.get(YarnConfiguration.RM_ADDRESS) + "\n");
    System.out.println("MiniClusters ready: HDFS " + defaultFs + ", ResourceManager " + started.get(YarnConfiguration.RM_ADDRESS));

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      yarn.stop();
      dfs.shutdown();
    }));
    Thread.currentThread().join();
  }

  private static void write(Configuration conf, Path file) throws Exception {
    try (OutputStream out = Files.newOutputStream(file)) {
      conf.writeXml(out);
    }
  }
}
