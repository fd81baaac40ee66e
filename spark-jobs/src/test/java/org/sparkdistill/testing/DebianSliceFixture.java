package org.sparkdistill.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.stage.Chain;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.TargetsStage;

/**
 * The teacher side of {@code TestConfigs.debianSlice(dir, 240)}: prepare, encode, train-teacher,
 * score and the KD targets, computed once per test JVM (about 40 s on 2 cores) in a directory under
 * {@code target/test-fixtures/} and copied into the work directory of each test class that starts
 * from it, whose own chain then finds those stages finished and skips them.
 *
 * <p>Only for classes whose configuration leaves these five stages' settings at the slice's
 * (student, evaluate and baseline settings are free): a copied output whose settings differ from
 * the class's is refused by the stage, naming the setting, so a drifting fixture fails loudly
 * rather than being recomputed in silence. The classes that test the teacher chain itself ({@code
 * TeacherChainTest}) compute it.
 */
public final class DebianSliceFixture {
  /** The slice's row count. */
  public static final int ROWS = 240;

  /** The stage outputs the fixture holds, in chain order (their directory names under the work directory). */
  public static final String[] STAGES = {"prepare", "encode", "train-teacher", "score", "targets"};

  private static Path dir;

  private DebianSliceFixture() {}

  /** The fixture's work directory, computed on the first call in this JVM. */
  public static synchronized Path teacherChain() {
    if (dir == null) {
      try {
        Path root = TestConfigs.projectRoot().resolve("spark-jobs/target/test-fixtures");
        Files.createDirectories(root);
        Path d = Files.createTempDirectory(root, "debian-slice-" + ROWS + "-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(d), "debian-slice-fixture-delete"));
        StageContext context = new StageContext(SharedSpark.session(), TestConfigs.debianSlice(d, ROWS).withStudentMode("kd"), false);
        for (Stage stage : Chain.teacher(context)) {
          stage.run();
        }
        new TargetsStage(context).run();
        dir = d;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the Debian slice fixture under target/test-fixtures", e);
      }
    }
    return dir;
  }

  /**
   * Copies the fixture's outputs of {@code stages} (names from {@link #STAGES}) into {@code
   * workDir}, so that a chain on {@code TestConfigs.debianSlice(workDir, 240)} skips them.
   */
  public static void copyInto(Path workDir, String... stages) {
    Path from = teacherChain();
    for (String stage : stages) {
      copyTree(from.resolve(stage), workDir.resolve(stage));
    }
  }

  /** {@link #copyInto} of every stage the fixture holds. */
  public static void copyInto(Path workDir) {
    copyInto(workDir, STAGES);
  }

  /** The configuration the fixture was computed with, on another work directory. */
  public static DistillConfig config(Path workDir) {
    return TestConfigs.debianSlice(workDir, ROWS);
  }

  private static void copyTree(Path from, Path to) {
    if (!Files.isDirectory(from)) {
      throw new IllegalStateException("the Debian slice fixture has no output " + from);
    }
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the fixture output " + from + " to " + to, e);
    }
  }

  private static void delete(Path d) {
    try (Stream<Path> paths = Files.walk(d)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort at JVM exit: target/ is build output
    }
  }
}
