package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DataFormat;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.InvalidRowPolicy;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.testing.SharedSpark;

/**
 * {@code data.onInvalid: skip}: invalid rows leave the examples for the quarantine, each with its
 * reason and raw content, and are counted in the manifest; above {@code data.maxInvalidFraction}
 * nothing is published. The expected quarantine is written out by hand from the inputs.
 */
class InvalidRowsQuarantineTest {
  @TempDir Path dir;
  private final SparkSession spark = SharedSpark.session();

  /** 40 valid rows, 20 per class, each its own group. */
  private static List<String> validJsonl() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String label = i % 2 == 0 ? "games" : "net";
      lines.add("{\"id\": \"v" + i + "\", \"text\": \"valid text number " + i + " about " + label + "\", \"label\": \"" + label + "\"}");
    }
    return lines;
  }

  /** Five invalid rows: blank text, an unknown label, an id used twice, a line that is no object. */
  private static final List<String> INVALID_JSONL =
      List.of(
          "{\"id\": \"b1\", \"text\": \"   \", \"label\": \"games\"}",
          "{\"id\": \"b2\", \"text\": \"a text about fonts\", \"label\": \"fonts\"}",
          "{\"id\": \"dup\", \"text\": \"first copy\", \"label\": \"net\"}",
          "{\"id\": \"dup\", \"text\": \"second copy\", \"label\": \"games\"}",
          "this is not json");

  private DistillConfig config(Path data, DataFormat format, InvalidRowPolicy policy, double maxFraction) {
    DistillConfig c = new DistillConfig();
    c.workDir = dir.resolve("work-" + policy + "-" + maxFraction).toString();
    c.data.format = format;
    c.data.path = data.toString();
    c.data.labels = List.of("games", "net");
    c.data.split.labelledPerClass = 2;
    c.data.onInvalid = policy;
    c.data.maxInvalidFraction = maxFraction;
    return c;
  }

  private Path jsonl() throws Exception {
    List<String> lines = new ArrayList<>(validJsonl());
    lines.addAll(10, INVALID_JSONL);
    return Files.write(dir.resolve("mixed.jsonl"), lines);
  }

  private Map<String, String> quarantine(PrepareStage prepare, Manifest m) {
    String path = prepare.output().dir() + "/run-" + m.runId() + "/" + PrepareStage.QUARANTINE;
    Map<String, String> byRaw = new TreeMap<>();
    for (Row r : spark.read().parquet(path).select("raw", "reason", "location", "source_file").collectAsList()) {
      assertThat(r.getString(3)).endsWith("mixed.jsonl");
      byRaw.put(r.getString(0), r.getString(1));
    }
    return byRaw;
  }

  @Test
  void skipMovesEveryInvalidRowToTheQuarantineWithItsReason() throws Exception {
    PrepareStage prepare = new PrepareStage(new StageContext(spark, config(jsonl(), DataFormat.JSONL, InvalidRowPolicy.SKIP, 0.2), false));
    prepare.run();
    Manifest m = prepare.output().manifest().orElseThrow();
    assertThat(m.rowCount()).isEqualTo(40);
    assertThat(((Number) m.metrics().get("invalidRows")).longValue()).isEqualTo(5);
    List<String> ids = spark.read().parquet(prepare.output().dir() + "/run-" + m.runId()).select("id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertThat(ids).hasSize(40).allMatch(id -> id.startsWith("v"));

    Map<String, String> q = quarantine(prepare, m);
    assertThat(q).hasSize(5);
    assertThat(q.get("this is not json")).startsWith("not a JSON object");
    assertThat(q.entrySet()).anySatisfy(e -> {
      assertThat(e.getKey()).contains("\"b1\"");
      assertThat(e.getValue()).startsWith("text is blank");
    });
    assertThat(q.entrySet()).anySatisfy(e -> {
      assertThat(e.getKey()).contains("\"b2\"");
      assertThat(e.getValue()).isEqualTo("label \"fonts\" is not in data.labels [games, net]");
    });
    assertThat(q.entrySet().stream().filter(e -> e.getKey().contains("copy"))).hasSize(2)
        .allSatisfy(e -> assertThat(e.getValue()).isEqualTo("id appears 2 times; ids must be unique"));
  }

  @Test
  void aShareAboveTheLimitIsRefusedAndNothingIsPublished() throws Exception {
    PrepareStage prepare = new PrepareStage(new StageContext(spark, config(jsonl(), DataFormat.JSONL, InvalidRowPolicy.SKIP, 0.1), false));
    assertThatThrownBy(prepare::run)
        .hasMessageContaining("5 of 45 rows (11.11%) are invalid, more than data.maxInvalidFraction 0.1 allows")
        .hasMessageContaining("raise data.maxInvalidFraction");
    assertThat(prepare.output().manifest()).isEmpty();
  }

  @Test
  void failStopsAtTheFirstInvalidRow() throws Exception {
    PrepareStage prepare = new PrepareStage(new StageContext(spark, config(jsonl(), DataFormat.JSONL, InvalidRowPolicy.FAIL, 0.2), false));
    assertThatThrownBy(prepare::run).hasMessageContaining("mixed.jsonl (data.format: jsonl): a line is not a JSON object: \"this is not json\"");
    assertThat(prepare.output().manifest()).isEmpty();
  }

  @Test
  void theDriverParsedDebianReaderQuarantinesToo() throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String section = i % 2 == 0 ? "games" : "net";
      lines.add("{\"id\": \"v" + i + "\", \"source\": \"src" + i + "\", \"section\": \"" + section + "\", \"text\": \"valid text number " + i + " about " + section + "\"}");
    }
    lines.add(5, "{\"id\": \"x1\", \"source\": \"s\", \"section\": \"fonts\", \"text\": \"a text about fonts\"}");
    lines.add(7, "{\"id\": \"x2\", \"source\": \"s\", \"section\": \"net\"}");
    lines.add(9, "not json either");
    Path data = Files.write(dir.resolve("debian.jsonl"), lines);
    PrepareStage prepare = new PrepareStage(new StageContext(spark, config(data, DataFormat.DEBIAN_JSONL, InvalidRowPolicy.SKIP, 0.1), false));
    prepare.run();
    Manifest m = prepare.output().manifest().orElseThrow();
    assertThat(m.rowCount()).isEqualTo(40);
    String path = prepare.output().dir() + "/run-" + m.runId() + "/" + PrepareStage.QUARANTINE;
    Map<String, String> byLocation = new TreeMap<>();
    for (Row r : spark.read().parquet(path).collectAsList()) {
      byLocation.put(r.getString(r.fieldIndex("location")), r.getString(r.fieldIndex("reason")));
    }
    // Lines are 1-based: the inserts landed on lines 6, 8 and 10.
    assertThat(byLocation).containsOnlyKeys("line 6", "line 8", "line 10");
    assertThat(byLocation.get("line 6")).isEqualTo("label \"fonts\" is not in data.labels [games, net]");
    assertThat(byLocation.get("line 8")).startsWith("key \"text\" is missing");
    assertThat(byLocation.get("line 10")).startsWith("not valid JSON");
  }
}
