package org.sparkdistill.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.udfs.schema.CacheSchemas;

/** The write-once publish primitive: no moment without a complete output, never an overwrite. */
class StageOutputPublishTest {
  @TempDir Path tmp;

  private static Manifest manifest(String runId, String file) {
    return new Manifest(
        CacheSchemas.VERSION, "fake", "fp-" + runId, runId, "now", new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), List.of("a", "b"), 1,
        new TreeMap<>(), 0, List.of(file), Map.of());
  }

  /** Writes a run whose only file holds its run id, then publishes its manifest. */
  private static void publishRun(StageOutput output, String runId) throws Exception {
    String file = "run-" + runId + "/part-0.txt";
    org.apache.hadoop.fs.Path run = output.newRunDir(runId);
    try (OutputStream out = output.create(run, "part-0.txt")) {
      out.write(runId.getBytes(StandardCharsets.UTF_8));
    }
    output.publish(manifest(runId, file));
  }

  @Test
  void recordsAreNumberedNeverOverwrittenAndTheHighestWins() throws Exception {
    StageOutput output = new StageOutput(tmp.resolve("out").toString(), new Configuration());
    assertThat(output.manifest()).isEmpty();
    publishRun(output, "r1");
    publishRun(output, "r2");
    assertThat(output.manifest().orElseThrow().runId()).isEqualTo("r2");
    publishRun(output, "r3");
    try (var names = Files.list(tmp.resolve("out"))) {
      assertThat(names.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList())
          .containsExactly("_manifest.00000002.json", "_manifest.00000003.json", "run-r2", "run-r3");
    }
    // A record already published is never replaced: publishing again takes the next number.
    String before = Files.readString(tmp.resolve("out").resolve("_manifest.00000003.json"));
    publishRun(output, "r4");
    assertThat(output.manifest().orElseThrow().runId()).isEqualTo("r4");
    assertThat(Files.exists(tmp.resolve("out").resolve("_manifest.00000004.json"))).isTrue();
    assertThat(before).contains("\"r3\"");
  }

  @Test
  void aDamagedRecordIsReportedNotSkipped() throws Exception {
    StageOutput output = new StageOutput(tmp.resolve("out").toString(), new Configuration());
    publishRun(output, "r1");
    Files.writeString(tmp.resolve("out").resolve("_manifest.00000001.json"), "{ truncated");
    assertThatThrownBy(output::manifest).hasMessageContaining("_manifest.00000001.json").hasMessageContaining("damaged after publication");
  }

  /**
   * A reader racing repeated overwrites always finds a manifest, and every file it lists is
   * present and belongs to that manifest's run.
   */
  @Test
  void aReaderRacingOverwritesAlwaysSeesACompleteOutput() throws Exception {
    StageOutput writer = new StageOutput(tmp.resolve("race").toString(), new Configuration());
    publishRun(writer, "r0");
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger reads = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              StageOutput output = new StageOutput(tmp.resolve("race").toString(), new Configuration());
              try {
                while (!done.get()) {
                  Optional<Manifest> m = output.manifest();
                  if (m.isEmpty()) {
                    throw new AssertionError("a moment without a manifest");
                  }
                  for (String file : m.get().files()) {
                    try (InputStream in = output.open(file)) {
                      String content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                      if (!content.equals(m.get().runId())) {
                        throw new AssertionError("file " + file + " holds " + content + ", manifest names run " + m.get().runId());
                      }
                    }
                  }
                  reads.incrementAndGet();
                }
              } catch (Throwable t) {
                failure.set(t);
              }
            });
    reader.start();
    for (int i = 1; i <= 25; i++) {
      publishRun(writer, "r" + i);
    }
    done.set(true);
    reader.join();
    assertThat(failure.get()).isNull();
    assertThat(reads.get()).isPositive();
    assertThat(writer.manifest().orElseThrow().runId()).isEqualTo("r25");
  }
}
