package org.sparkdistill.method.pmd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.kg.KgGraph;
import org.sparkdistill.kg.KgGraphStage;
import org.sparkdistill.kg.KgGraphStageTestAccess;
import org.sparkdistill.kg.KgSchemas;
import org.sparkdistill.stage.Rebuild;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.kgc.BiEncoderMeta;
import org.sparkdistill.udfs.schema.Columns;

/**
 * pmd-finetune and pmd-teacher on the CI preset (200 WordNet entities, 16 tokens, 24 training
 * triples, 1 epoch): the artifact is what the manifest says (sha256 recomputed here), the pairs
 * are two per triple, the ranking covers every test query with unit entity vectors and ranks far
 * above chance (computed from the triples alone), a rerun skips, and a parameters file changed
 * after publication is refused.
 */
class TeacherRankingStageTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void fineTunesRanksAndGuardsItsArtifact(@TempDir Path work) throws Exception {
    DistillConfig c = KgGraphStageTestAccess.ciPreset(work);
    c.pmd.maxLength = 16;
    c.pmd.finetune.epochs = 1;
    c.pmd.finetune.batchSize = 8;
    c.pmd.finetune.maxTriples = 24;
    StageContext context = new StageContext(SharedSpark.session(), c, false);
    new KgGraphStage(context).run();
    Manifest tuned = new BiEncoderFineTuneStage(context).run().manifest();
    Manifest ranked = new TeacherRankingStage(context).run().manifest();

    KgGraph graph = KgGraph.read(context.graph().input(KgGraphStage.NAME));
    long valid = graph.split(KgSchemas.VALID).count();
    long test = graph.split(KgSchemas.TEST).count();
    assertThat(tuned.splitCounts()).isEqualTo(Map.of("train", 48L, "valid", 2 * valid));
    Path dir = local(context.graph().input(BiEncoderFineTuneStage.NAME).output().dir());
    Map<?, ?> files = (Map<?, ?>) tuned.metrics().get("files");
    for (String name : List.of(BiEncoderMeta.PARAMS_FILE, BiEncoderMeta.META_FILE)) {
      Path file = dir.resolve(context.graph().input(BiEncoderFineTuneStage.NAME).file(name));
      assertThat(files.get(name)).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
    }
    JsonNode meta = JSON.readTree(Files.readAllBytes(dir.resolve(context.graph().input(BiEncoderFineTuneStage.NAME).file(BiEncoderMeta.META_FILE)))).get("meta");
    assertThat(meta.get("temperature").asDouble()).isEqualTo(((Number) tuned.metrics().get("temperature")).doubleValue()).isNotEqualTo(0.05);
    assertThat(meta.get("maxLength").asInt()).isEqualTo(16);
    assertThat(((Number) tuned.metrics().get("steps")).intValue()).isEqualTo(48 / 8);

    Map<String, Object> m = ranked.metrics();
    assertThat(((Number) m.get("test.queries")).longValue()).isEqualTo(2 * test);
    double random = ((Number) m.get("test.randomMrr")).doubleValue();
    assertThat(random).isCloseTo(expectedRandomMrr(graph), within(1e-9));
    assertThat(((Number) m.get("test.mrr")).doubleValue()).as("fine-tuned test MRR against chance %s", random).isGreaterThan(3 * random);
    List<Row> vectors = SharedSpark.session().read().parquet(local(context.graph().input(TeacherRankingStage.NAME).output().dir()).resolve(ranked.files().get(0).split("/")[0]).resolve("entity-vectors").toString()).collectAsList();
    assertThat(vectors).hasSize((int) graph.entities().count());
    for (Row r : vectors) {
      double norm = 0;
      for (Object v : r.getList(r.fieldIndex(Columns.FEATURES))) {
        norm += ((Float) v) * ((Float) v);
      }
      assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-4));
    }

    StageResult again = new TeacherRankingStage(new StageContext(SharedSpark.session(), c, false)).run();
    assertThat(again.skipped()).isTrue();

    Path params = dir.resolve(context.graph().input(BiEncoderFineTuneStage.NAME).file(BiEncoderMeta.PARAMS_FILE));
    byte[] bytes = Files.readAllBytes(params);
    bytes[bytes.length - 1] ^= 1;
    Files.write(params, bytes);
    // replaced outside Hadoop (as on a store without checksum files): only the manifest's sha256 can tell
    Files.deleteIfExists(params.resolveSibling("." + params.getFileName() + ".crc"));
    assertThatThrownBy(() -> new TeacherRankingStage(new StageContext(SharedSpark.session(), c, false, Rebuild.from(TeacherRankingStage.NAME))).run())
        .hasMessageContaining(BiEncoderMeta.PARAMS_FILE)
        .hasMessageContaining("the pmd-finetune manifest recorded " + files.get(BiEncoderMeta.PARAMS_FILE))
        .hasMessageContaining("rerun pmd-finetune with --overwrite");
  }

  private static Path local(org.apache.hadoop.fs.Path dir) {
    return Path.of(dir.toUri().getPath());
  }

  /** Mean H(c)/c over the test queries, c = entities minus the query's other answers in any split. */
  private static double expectedRandomMrr(KgGraph graph) {
    long entities = graph.entities().count();
    List<Row> triples = graph.triples().collectAsList();
    Map<String, Set<String>> answers = new java.util.HashMap<>();
    for (Row t : triples) {
      answers.computeIfAbsent("f" + t.getString(0) + "|" + t.getString(1), k -> new java.util.HashSet<>()).add(t.getString(2));
      answers.computeIfAbsent("b" + t.getString(2) + "|" + t.getString(1), k -> new java.util.HashSet<>()).add(t.getString(0));
    }
    double sum = 0;
    int n = 0;
    for (Row t : triples) {
      if (!t.getString(3).equals(KgSchemas.TEST)) {
        continue;
      }
      for (String key : List.of("f" + t.getString(0) + "|" + t.getString(1), "b" + t.getString(2) + "|" + t.getString(1))) {
        long candidates = entities - (answers.get(key).size() - 1);
        double h = 0;
        for (long k = 1; k <= candidates; k++) {
          h += 1.0 / k;
        }
        sum += h / candidates;
        n++;
      }
    }
    return sum / n;
  }
}
