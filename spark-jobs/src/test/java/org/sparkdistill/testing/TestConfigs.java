package org.sparkdistill.testing;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.sparkdistill.config.DataFormat;
import org.sparkdistill.config.DistillConfig;

/** Small, fast configurations over the real Debian snapshot and the real MiniLM encoder. */
public final class TestConfigs {
  public static final List<String> DEBIAN_LABELS =
      List.of(
          "net", "science", "admin", "games", "text", "sound", "graphics", "fonts", "web", "math", "mail",
          "editors", "database", "video", "electronics", "httpd", "tex", "hamradio", "comm", "vcs");

  private TestConfigs() {}

  /** The project's root directory (tests run in a module directory). */
  public static Path projectRoot() {
    Path here = Paths.get("").toAbsolutePath();
    return here.resolve("pom.xml").toFile().exists() && here.resolve("udfs").toFile().exists() ? here : here.getParent();
  }

  /** The encoder directory unpacked by the build (see the parent pom). */
  public static Path encoderDir() {
    String dir = System.getProperty("spark.distill.encoder.dir");
    return dir != null ? Paths.get(dir) : projectRoot().resolve("target/models/all-minilm-l6-v2");
  }

  /** The int8 encoder file unpacked by the build (see the parent pom). */
  public static Path int8ModelFile() {
    String dir = System.getProperty("spark.distill.encoder.int8.dir");
    return (dir != null ? Paths.get(dir) : projectRoot().resolve("target/models/all-minilm-l6-v2-q")).resolve("all-minilm-l6-v2-q.onnx");
  }

  /**
   * A slice of the Debian snapshot: {@code rows} rows, 32-token texts, a few labelled rows per
   * class, a short head training; runs the chain in well under a minute on 2 cores.
   */
  public static DistillConfig debianSlice(Path workDir, int rows) {
    DistillConfig c = new DistillConfig();
    c.workDir = workDir.toString();
    c.data.format = DataFormat.DEBIAN_JSONL;
    c.data.path = projectRoot().resolve("data/debian/debian-sections-20.jsonl.gz").toString();
    c.data.labels = DEBIAN_LABELS;
    c.data.maxRows = rows;
    c.data.split.labelledPerClass = 5;
    c.encoder.model = encoderDir().resolve("all-minilm-l6-v2.onnx").toString();
    c.encoder.tokenizer = encoderDir().resolve("all-minilm-l6-v2-tokenizer.json").toString();
    c.encoder.int8Model = int8ModelFile().toString();
    c.encoder.maxLength = 32;
    c.encoder.batchSize = 16;
    c.encoder.partitions = 2;
    c.teacher.epochs = 30;
    c.teacher.patience = 5;
    c.score.mcPasses = 8;
    return c;
  }
}
