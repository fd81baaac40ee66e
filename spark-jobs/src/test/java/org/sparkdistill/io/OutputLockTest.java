package org.sparkdistill.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writer per output, across JVMs: a live owner is named and refused, a dead one taken over. */
class OutputLockTest {
  @TempDir Path tmp;

  private static org.apache.hadoop.fs.Path hadoop(Path p) {
    return new org.apache.hadoop.fs.Path(p.toUri());
  }

  @Test
  void aSecondWriterInAnotherJvmIsRefusedNamingTheOwnerAndADeadOwnerIsTakenOver() throws Exception {
    Path output = tmp.resolve("encode");
    Path ready = tmp.resolve("ready");
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    Process holder =
        new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), OutputLockHolder.class.getName(), output.toString(), ready.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("holder.log").toFile())
            .start();
    try {
      long deadline = System.currentTimeMillis() + 60_000;
      while (!Files.exists(ready) && System.currentTimeMillis() < deadline && holder.isAlive()) {
        Thread.sleep(100);
      }
      assertThat(ready).as("the holder JVM took the lock (see holder.log)").exists();
      String holderProcess = Files.readString(ready);
      assertThatThrownBy(() -> OutputLock.acquire(hadoop(output), "second-run", new Configuration(), Duration.ofSeconds(1), Duration.ofSeconds(2)))
          .isInstanceOf(OutputLock.HeldException.class)
          .hasMessageContaining("is being written by run holder-run")
          .hasMessageContaining(holderProcess)
          .hasMessageContaining("one writer per output");
      // SIGKILL: no cleanup runs, the lock file stays, its heartbeat stops.
      holder.destroyForcibly();
      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(output.resolve(OutputLock.FILE_NAME)).exists();
      Thread.sleep(2_500);
      try (OutputLock taken = OutputLock.acquire(hadoop(output), "third-run", new Configuration(), Duration.ofSeconds(1), Duration.ofSeconds(2))) {
        assertThat(taken.owner().run()).isEqualTo("third-run");
        assertThat(Files.readString(output.resolve(OutputLock.FILE_NAME))).contains("third-run");
      }
      assertThat(output.resolve(OutputLock.FILE_NAME)).doesNotExist();
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  void theHeartbeatKeepsALongRunsLockAlive() throws Exception {
    Path output = tmp.resolve("train-student");
    try (OutputLock lock = OutputLock.acquire(hadoop(output), "long-run", new Configuration(), Duration.ofMillis(100), Duration.ofSeconds(1))) {
      Thread.sleep(1_500);
      assertThatThrownBy(() -> OutputLock.acquire(hadoop(output), "other", new Configuration(), Duration.ofMillis(100), Duration.ofSeconds(1)))
          .isInstanceOf(OutputLock.HeldException.class)
          .hasMessageContaining("long-run");
    }
  }
}
