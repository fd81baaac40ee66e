package org.sparkdistill.kg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;

/** The kg-graph stage on the real WordNet 3.1 files (the CI preset's sample) and on a user's bad tables. */
class KgGraphStageTest {
  /** The WordNet directory the build unpacked (see the parent pom). */
  static String wordnetDir() {
    String dir = System.getProperty("spark.distill.wordnet.dir");
    return dir != null ? dir : TestConfigs.projectRoot().resolve("target/wordnet/wn31").toString();
  }

  /** The CI preset: a connected sample of 200 WordNet entities, 10% valid and 10% test drawn. */
  static DistillConfig ciPreset(Path work) {
    DistillConfig c = TestConfigs.debianSlice(work, 100);
    c.kg.wordnetDir = wordnetDir();
    c.kg.sampleEntities = 200;
    c.kg.split.validFraction = 0.1;
    c.kg.split.testFraction = 0.1;
    return c;
  }

  @Test
  void buildsTheSampledWordNetGraphWithItsFilters(@TempDir Path work) {
    DistillConfig c = ciPreset(work);
    StageResult result = new KgGraphStage(new StageContext(SharedSpark.session(), c, false)).run();
    Manifest m = result.manifest();
    assertThat(m.splitCounts().get("entities")).isEqualTo(200L);
    assertThat(m.metrics()).containsEntry("synsets", 117791L).containsEntry("sample.pieces", 1L);
    StageContext context = new StageContext(SharedSpark.session(), c, false);
    KgGraph graph = KgGraph.read(context.graph().input(KgGraphStage.NAME));
    Set<String> ids = new HashSet<>();
    for (Row r : graph.entities().collectAsList()) {
      ids.add(r.getString(0));
      assertThat(r.getString(2)).isNotBlank();
    }
    assertThat(ids).hasSize(200);
    List<Row> triples = graph.triples().collectAsList();
    Set<String> trainEntities = new HashSet<>();
    Set<String> keys = new HashSet<>();
    for (Row t : triples) {
      assertThat(ids).contains(t.getString(0), t.getString(2));
      assertThat(WordNetRelations.NAMES).contains(t.getString(1));
      assertThat(keys.add(t.getString(0) + " " + t.getString(1) + " " + t.getString(2))).isTrue();
      if (t.getString(3).equals("train")) {
        trainEntities.add(t.getString(0));
        trainEntities.add(t.getString(2));
      }
    }
    // recounted from the rows: every valid/test entity occurs in train, and the counts add up
    long valid = triples.stream().filter(t -> t.getString(3).equals("valid")).count();
    long test = triples.stream().filter(t -> t.getString(3).equals("test")).count();
    for (Row t : triples) {
      if (!t.getString(3).equals("train")) {
        assertThat(trainEntities).contains(t.getString(0), t.getString(2));
      }
    }
    assertThat(m.splitCounts()).containsEntry("valid", valid).containsEntry("test", test).containsEntry("train", triples.size() - valid - test);
    assertThat(test).isPositive();
    long drawnTest = ((Number) m.metrics().get("drawn.test")).longValue();
    long movedTest = ((Number) m.metrics().get("movedToTrain.test")).longValue();
    assertThat(drawnTest - movedTest).isEqualTo(test);
    // a connected sample keeps at least a spanning tree's worth of triples
    assertThat(triples.size()).isGreaterThanOrEqualTo(199);
    // the same settings: skipped, not recomputed
    assertThat(new KgGraphStage(new StageContext(SharedSpark.session(), c, false)).run().skipped()).isTrue();
  }

  private static DistillConfig userGraph(Path work, String entities, String triples) throws Exception {
    Files.createDirectories(work);
    DistillConfig c = TestConfigs.debianSlice(work.resolve("work"), 100);
    c.kg.source = "tsv";
    Path e = work.resolve("entities.tsv");
    Path t = work.resolve("triples.tsv");
    Files.writeString(e, "id\tname\tdescription\n" + entities);
    Files.writeString(t, "head\trelation\ttail\n" + triples);
    c.kg.entities = e.toString();
    c.kg.triples = t.toString();
    c.kg.split.validFraction = 0.2;
    c.kg.split.testFraction = 0.2;
    return c;
  }

  private static final String ENTITIES = "a\tA\tfirst\nb\tB\tsecond\nc\tC\tthird\nd\t\tfourth\n";

  @Test
  void readsAUsersTsvGraph(@TempDir Path work) throws Exception {
    DistillConfig c = userGraph(work, ENTITIES, "a\tr1\tb\nb\tr1\tc\nc\tr2\td\nd\tr2\ta\na\tr2\tc\nb\tr2\td\n");
    Manifest m = new KgGraphStage(new StageContext(SharedSpark.session(), c, false)).run().manifest();
    assertThat(m.splitCounts().get("entities")).isEqualTo(4L);
    assertThat(m.splitCounts().get("train") + m.splitCounts().get("valid") + m.splitCounts().get("test")).isEqualTo(6L);
    assertThat(m.metrics().get("relations")).isEqualTo(List.of("r1", "r2"));
  }

  @Test
  void refusesBadGraphsWithTheOffendingIdsAndCounts(@TempDir Path work) throws Exception {
    assertThatThrownBy(() -> run(userGraph(work.resolve("1"), ENTITIES, "a\tr1\tb\na\tr1\tzz\nc\tr1\tyy\nb\tr1\tyy\n")))
        .hasMessageContaining("3 triples name 2 tail entities that kg.entities")
        .hasMessageContaining("yy (2 triples)")
        .hasMessageContaining("zz (1 triples)");
    DistillConfig known = userGraph(work.resolve("2"), ENTITIES, "a\tr1\tb\na\tr9\tc\nb\tr9\tc\n");
    known.kg.relations = List.of("r1");
    assertThatThrownBy(() -> run(known)).hasMessageContaining("2 triples name 1 relations outside the relation set [r1]: r9 (2)");
    assertThatThrownBy(() -> run(userGraph(work.resolve("3"), "a\tA\tfirst\nb\tB\t \nc\tC\t\n", "a\tr1\tb\n")))
        .hasMessageContaining("2 entities have no description (column description), e.g. ")
        .hasMessageContaining("b")
        .hasMessageContaining("c");
    assertThatThrownBy(() -> run(userGraph(work.resolve("4"), ENTITIES, "a\tr1\tb\na\tr1\tb\nb\tr1\tc\nb\tr1\tc\nb\tr1\tc\n")))
        .hasMessageContaining("2 triples occur more than once, e.g. (b, r1, c) 3x, (a, r1, b) 2x");
    assertThatThrownBy(() -> run(userGraph(work.resolve("5"), ENTITIES + "a\tA2\tagain\n", "a\tr1\tb\n")))
        .hasMessageContaining("1 entity ids occur more than once, e.g. a (2x)");
    DistillConfig columns = userGraph(work.resolve("6"), ENTITIES, "a\tr1\tb\n");
    columns.kg.columns.tail = "object";
    assertThatThrownBy(() -> run(columns)).hasMessageContaining("has no column 'object' (kg.columns.tail); its columns are [head, relation, tail]");
  }

  private static void run(DistillConfig c) {
    new KgGraphStage(new StageContext(SharedSpark.session(), c, false)).run();
  }

  @Test
  void theWordNetDirectoryMustHoldTheDataFiles(@TempDir Path work) {
    DistillConfig c = ciPreset(work);
    c.kg.wordnetDir = Paths.get(work.toString(), "empty").toString();
    assertThatThrownBy(() -> KgSource.read(SharedSpark.session(), c.kg)).hasMessageContaining("has no data.noun");
  }
}
