package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.io.OutputLock;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;

/**
 * Two JVMs running one stage on one output ({@code encode}, and {@code train-student}, whose
 * concurrent runs once published one run's student under the other's manifest): while the first
 * (a child JVM) writes, the second (this JVM) is refused with a message naming the first's process
 * and run, and touches nothing; the first publishes its output whole, which the second then reuses.
 *
 * <p>Both tests work on one work directory: the encode test runs first and leaves the child's
 * published encoding, which the train-student test's upstream chain then reuses instead of
 * preparing and encoding the slice again (run alone, the train-student test computes them itself).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoWritersTest {
  private static final int ROWS = 240;

  @TempDir static Path tmp;

  /** The run id named by the refusal: the child's, which must be the one published. */
  private String childRun;

  /** The slice both JVMs run: the Debian test slice, with enough student epochs to be caught writing. */
  static org.sparkdistill.config.DistillConfig config(Path work, int rows) {
    org.sparkdistill.config.DistillConfig c = TestConfigs.debianSlice(work, rows);
    c.student.epochs = 12;
    return c;
  }

  @Test
  @Order(1)
  void aSecondEncodeOnTheSameOutputIsRefusedNamingTheOwner() throws Exception {
    Path work = tmp.resolve("work");
    StageContext context = new StageContext(SharedSpark.session(), config(work, ROWS), false);
    long prepared = new PrepareStage(context).run().manifest().rowCount();
    StageResult again = secondWriterIsRefused(context, work, EncodeStage.NAME);
    assertThat(again.manifest().rowCount()).isEqualTo(prepared);
  }

  @Test
  @Order(2)
  void aSecondTrainStudentOnTheSameOutputIsRefusedNamingTheOwner() throws Exception {
    Path work = tmp.resolve("work");
    StageContext context = new StageContext(SharedSpark.session(), config(work, ROWS), false);
    for (String upstream : List.of(PrepareStage.NAME, EncodeStage.NAME, TrainTeacherStage.NAME, ScoreStage.NAME, TargetsStage.NAME)) {
      context.graph().stage(upstream).run();
    }
    StageResult again = secondWriterIsRefused(context, work, TrainStudentStage.NAME);
    // The child's student: the manifest's files are in the child's run directory.
    assertThat(again.manifest().files()).isNotEmpty().allSatisfy(f -> assertThat(f).startsWith("run-" + again.manifest().runId() + "/"));
  }

  /** Starts the stage in a child JVM, runs it here while the child holds the lock, and returns this JVM's rerun after the child's publication. */
  private StageResult secondWriterIsRefused(StageContext context, Path work, String stageName) throws Exception {
    Stage stage = context.graph().stage(stageName);
    Path outputDir = Paths.get(stage.output().dir().toUri().getPath());

    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || arg.startsWith("-Djdk.reflect") || arg.startsWith("-D")) {
        command.add(arg);
      }
    }
    command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), StageInAnotherJvm.class.getName(), stageName, work.toString(), Integer.toString(ROWS)));
    Path log = tmp.resolve("first-" + stageName + ".log");
    Process first = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Path lock = lock(outputDir);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (!Files.exists(lock)) {
        assertThat(first.isAlive()).as("the first %s is still running (see %s)", stageName, log).isTrue();
        assertThat(System.nanoTime()).as("the first %s took its lock within 180 s", stageName).isLessThan(deadline);
        Thread.sleep(20);
      }
      Throwable refused = org.assertj.core.api.Assertions.catchThrowable(stage::run);
      assertThat(refused)
          .isInstanceOf(OutputLock.HeldException.class)
          .hasMessageContaining("output " + outputDir + " is being written by run ")
          .hasMessageContaining(first.pid() + "@")
          .hasMessageContaining("of stage " + stageName)
          .hasMessageContaining("one writer per output");
      java.util.regex.Matcher holder = java.util.regex.Pattern.compile("is being written by run (\\S+) of stage").matcher(refused.getMessage());
      assertThat(holder.find()).as("the refusal names the holder's run: %s", refused.getMessage()).isTrue();
      childRun = holder.group(1);
      assertThat(first.waitFor(300, TimeUnit.SECONDS)).isTrue();
      assertThat(first.exitValue()).as("the first %s, log %s", stageName, log).isZero();
    } finally {
      first.destroyForcibly();
    }
    assertThat(Files.readString(log)).contains("RAN " + stageName);
    // The refused run left the first run's output whole: this JVM now finds it up to date.
    StageResult again = context.graph().stage(stageName).run();
    assertThat(again.skipped()).isTrue();
    // What is published is the run that held the lock, under its own manifest.
    assertThat(again.manifest().runId()).isEqualTo(childRun);
    assertThat(Files.exists(lock(outputDir))).isFalse();
    return again;
  }

  private static Path lock(Path outputDir) {
    return outputDir.resolve(OutputLock.FILE_NAME);
  }
}
