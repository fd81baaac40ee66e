package org.sparkdistill.method.pmd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
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
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.testing.SharedSpark;

/**
 * The frozen all-MiniLM-L6-v2 bi-encoder on the CI preset (200 WordNet entities, 16 tokens): its
 * filtered MRR must be well above what a random ranking of the same candidates gets, computed
 * here from the graph's triples alone.
 */
class ZeroShotStageTest {
  @Test
  void frozenEncoderRanksFarAboveChance(@TempDir Path work) {
    DistillConfig c = KgGraphStageTestAccess.ciPreset(work);
    c.pmd.maxLength = 16;
    StageContext context = new StageContext(SharedSpark.session(), c, false);
    new KgGraphStage(context).run();
    Manifest m = new ZeroShotStage(context).run().manifest();

    KgGraph graph = KgGraph.read(new StageContext(SharedSpark.session(), c, false).graph().input(KgGraphStage.NAME));
    long entities = graph.entities().count();
    List<Row> triples = graph.triples().collectAsList();
    // answers of (h, r, ?) and (?, r, t) over all splits
    Map<String, Set<String>> tails = new HashMap<>();
    Map<String, Set<String>> heads = new HashMap<>();
    for (Row t : triples) {
      tails.computeIfAbsent(t.getString(0) + "|" + t.getString(1), k -> new HashSet<>()).add(t.getString(2));
      heads.computeIfAbsent(t.getString(2) + "|" + t.getString(1), k -> new HashSet<>()).add(t.getString(0));
    }
    double random = 0;
    int queries = 0;
    for (Row t : triples) {
      if (!t.getString(3).equals("test")) {
        continue;
      }
      for (Set<String> answers : List.of(tails.get(t.getString(0) + "|" + t.getString(1)), heads.get(t.getString(2) + "|" + t.getString(1)))) {
        long candidates = entities - (answers.size() - 1);
        double h = 0;
        for (long k = 1; k <= candidates; k++) {
          h += 1.0 / k;
        }
        random += h / candidates;
        queries++;
      }
    }
    random /= queries;
    Map<String, Object> metrics = m.metrics();
    assertThat(((Number) metrics.get("test.queries")).intValue()).isEqualTo(queries);
    assertThat(((Number) metrics.get("test.randomMrr")).doubleValue()).isCloseTo(random, org.assertj.core.data.Offset.offset(1e-9));
    double mrr = ((Number) metrics.get("test.mrr")).doubleValue();
    assertThat(mrr).as("zero-shot test MRR against chance %s", random).isGreaterThan(3 * random);
    assertThat(((Number) metrics.get("test.hits10")).doubleValue()).isGreaterThanOrEqualTo(((Number) metrics.get("test.hits1")).doubleValue());
    // leaving the source out of the candidates can only lift a rank
    assertThat(((Number) metrics.get("test.sourceExcluded.mrr")).doubleValue()).isGreaterThanOrEqualTo(mrr);
    assertThat(((Number) metrics.get("test.sourceExcluded.queries")).intValue()).isEqualTo(queries);
    assertThat(((Number) metrics.get("entities")).longValue()).isEqualTo(entities);
    assertThat(((Number) metrics.get("textsPerSecond")).doubleValue()).isPositive();
  }
}
