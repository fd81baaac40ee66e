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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.OutputLock;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;

/**
 * Two JVMs running {@code encode} on one output: while the first (a child JVM) writes, the second
 * (this JVM) is refused with a message naming the first's process and run, and touches nothing;
 * the first publishes its output whole, which the second then reuses.
 */
class TwoWritersTest {
  private static final int ROWS = 240;

  @TempDir Path tmp;

  @Test
  void aSecondEncodeOnTheSameOutputIsRefusedNamingTheOwner() throws Exception {
    Path work = tmp.resolve("work");
    StageContext context = new StageContext(SharedSpark.session(), TestConfigs.debianSlice(work, ROWS), false);
    long prepared = new PrepareStage(context).run().manifest().rowCount();

    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || arg.startsWith("-Djdk.reflect") || arg.startsWith("-D")) {
        command.add(arg);
      }
    }
    command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), EncodeInAnotherJvm.class.getName(), work.toString(), Integer.toString(ROWS)));
    Path log = tmp.resolve("first.log");
    Process first = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Path lock = work.resolve(EncodeStage.NAME).resolve(OutputLock.FILE_NAME);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (!Files.exists(lock)) {
        assertThat(first.isAlive()).as("the first encode is still running (see %s)", log).isTrue();
        assertThat(System.nanoTime()).as("the first encode took its lock within 180 s").isLessThan(deadline);
        Thread.sleep(20);
      }
      assertThatThrownBy(() -> new EncodeStage(context).run())
          .isInstanceOf(OutputLock.HeldException.class)
          .hasMessageContaining("output " + work.resolve(EncodeStage.NAME) + " is being written by run ")
          .hasMessageContaining(first.pid() + "@")
          .hasMessageContaining("of stage encode")
          .hasMessageContaining("one writer per output");
      assertThat(first.waitFor(300, TimeUnit.SECONDS)).isTrue();
      assertThat(first.exitValue()).as("the first encode, log %s", log).isZero();
    } finally {
      first.destroyForcibly();
    }
    assertThat(Files.readString(log)).contains("ENCODED ");
    // The refused run left the first run's output whole: this JVM now finds it up to date.
    StageResult again = new EncodeStage(context).run();
    assertThat(again.skipped()).isTrue();
    Manifest manifest = again.manifest();
    assertThat(manifest.rowCount()).isEqualTo(prepared);
    assertThat(Files.exists(work.resolve(EncodeStage.NAME).resolve(OutputLock.FILE_NAME))).isFalse();
  }
}
