package org.sparkdistill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.testing.SharedSpark;

/**
 * Data-parallel checkpoints every round: a driver JVM killed with SIGKILL in the middle of an
 * epoch, rerun with the same command, resumes from its last round checkpoint and ends with
 * exactly the weights (bytes of the saved parameters) and history of an uninterrupted run made
 * in this JVM; a damaged newest checkpoint is reported and the previous one is used; with every
 * checkpoint damaged the run stops without touching anything, and {@code --overwrite} starts over.
 */
class DataParallelResumeTest {
  @TempDir Path tmp;

  @Test
  void aDriverKilledMidEpochResumesToTheUninterruptedWeights() throws Exception {
    SparkSession spark = SharedSpark.session();
    RoundCheckpointDriver.Run straight = RoundCheckpointDriver.train(spark, tmp.resolve("straight"));

    // The same command in a child driver JVM, SIGKILLed once a checkpoint after round 3 of epoch 2 exists.
    Path killed = tmp.resolve("killed");
    Process first = driver(killed, tmp.resolve("first.weights"), tmp.resolve("first.txt"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    CheckpointStore store = new CheckpointStore(new org.apache.hadoop.fs.Path(killed.toUri()), new Configuration());
    while (!midEpochTwo(store)) {
      assertThat(first.isAlive()).as("the child driver is still training (it finished or failed before epoch 2: see %s)", tmp.resolve("first.log")).isTrue();
      assertThat(System.nanoTime()).as("a checkpoint inside epoch 2 within 240 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    first.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs in the child
    assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(first.exitValue()).as("killed by SIGKILL (128 + 9)").isEqualTo(137);
    assertThat(tmp.resolve("first.weights")).doesNotExist();
    CheckpointStore.Entry last = store.newestFirst().get(0);
    // Kept beside for the damaged-checkpoint cases below.
    copyTree(killed, tmp.resolve("damaged-newest"));
    copyTree(killed, tmp.resolve("damaged-all"));

    Process second = driver(killed, tmp.resolve("second.weights"), tmp.resolve("second.txt"));
    assertThat(second.waitFor(240, TimeUnit.SECONDS)).isTrue();
    assertThat(second.exitValue()).as("resumed run, log %s", tmp.resolve("second.log")).isZero();
    String report = Files.readString(tmp.resolve("second.txt"));
    assertThat(report)
        .contains("resumedFromEpoch=" + last.commit().state().epoch)
        .contains("resumedFromRound=" + last.commit().state().round)
        .contains("history=" + straight.history());
    assertThat(last.commit().state().round).as("resumed mid-epoch").isPositive();
    assertThat(Files.readAllBytes(tmp.resolve("second.weights"))).as("final weights of the resumed run").isEqualTo(straight.weights());

    // The newest checkpoint damaged (one byte flipped in its weights): the previous one is used.
    Path newest = tmp.resolve("damaged-newest");
    CheckpointStore damagedStore = new CheckpointStore(new org.apache.hadoop.fs.Path(newest.toUri()), new Configuration());
    List<CheckpointStore.Entry> entries = damagedStore.newestFirst();
    assertThat(entries.size()).as("retained checkpoints").isGreaterThanOrEqualTo(2);
    // Without the local filesystem's .crc sidecar (as on HDFS or an object store) the commit's
    // SHA-256 is what catches it.
    Path damagedWeights = newest.resolve(entries.get(0).commit().directory()).resolve(CheckpointStore.WEIGHTS);
    flipByte(damagedWeights);
    Files.deleteIfExists(damagedWeights.resolveSibling("." + CheckpointStore.WEIGHTS + ".crc"));
    RoundCheckpointDriver.Run fallback = RoundCheckpointDriver.train(spark, newest);
    CheckpointStore.Commit previous = entries.get(1).commit();
    assertThat(List.of(fallback.resumedFromEpoch(), fallback.resumedFromRound())).isEqualTo(List.of(previous.state().epoch, previous.state().round));
    assertThat(fallback.weights()).isEqualTo(straight.weights());

    // Every checkpoint damaged: a one-line error naming the files, and nothing is written.
    Path all = tmp.resolve("damaged-all");
    CheckpointStore allStore = new CheckpointStore(new org.apache.hadoop.fs.Path(all.toUri()), new Configuration());
    for (CheckpointStore.Entry e : allStore.newestFirst()) {
      flipByte(all.resolve(e.commit().directory()).resolve(CheckpointStore.OPTIMIZER));
    }
    Map<String, Long> before = listing(all);
    assertThatThrownBy(() -> RoundCheckpointDriver.train(spark, all))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("no usable student checkpoint under ")
        .hasMessageContaining("/optimizer.bin") // the local filesystem's checksum names it first
        .hasMessageContaining("nothing was overwritten: rerun with --overwrite")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(listing(all)).isEqualTo(before);
    // --overwrite discards them and trains from scratch, to the same weights.
    RoundCheckpointDriver.Run fresh = RoundCheckpointDriver.train(spark, all, true);
    assertThat(List.of(fresh.resumedFromEpoch(), fresh.resumedFromRound())).isEqualTo(List.of(0, 0));
    assertThat(fresh.weights()).isEqualTo(straight.weights());
  }

  private static boolean midEpochTwo(CheckpointStore store) {
    return store.newestFirst().stream().anyMatch(e -> e.commit() != null && e.commit().state().epoch == 1 && e.commit().state().round >= 3);
  }

  private Process driver(Path checkpoints, Path weights, Path report) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || arg.startsWith("-Djdk.reflect") || arg.startsWith("-Dai.djl")) {
        command.add(arg);
      }
    }
    command.addAll(List.of("-Xmx640m", "-cp", System.getProperty("java.class.path"), RoundCheckpointDriver.class.getName()));
    command.addAll(List.of(checkpoints.toString(), weights.toString(), report.toString()));
    String log = report.getFileName().toString().replace(".txt", ".log");
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve(log).toFile()).start();
  }

  private static void flipByte(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(file, bytes);
  }

  private static Map<String, Long> listing(Path dir) throws IOException {
    Map<String, Long> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        out.put(dir.relativize(p).toString(), Files.isRegularFile(p) ? Files.size(p) * 1_000_003L + Files.getLastModifiedTime(p).toMillis() : -1L);
      }
    }
    return out;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
