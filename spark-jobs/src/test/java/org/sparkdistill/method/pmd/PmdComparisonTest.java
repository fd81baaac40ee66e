package org.sparkdistill.method.pmd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.kg.KgGraph;
import org.sparkdistill.kg.KgGraphStage;
import org.sparkdistill.kg.KgGraphStageTestAccess;
import org.sparkdistill.kg.KgSchemas;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.udfs.kgc.BiEncoderMeta;
import org.sparkdistill.udfs.schema.Columns;

/**
 * The PMD chain on the CI preset (200 WordNet entities, 16 tokens, 24 training triples, 1 epoch),
 * one run for the teacher's and the grades' checks:
 * two grades (2 layers at 25% mask from the teacher, 1 layer unmasked from the 2-layer grade, each
 * initialised from the model above) and their baselines. Checked against records the chain does
 * not compute: each grade's teacher input is the upstream manifest's fingerprint and its
 * teacherParamsSha256 the sha256 of the upstream file's bytes; parameter counts follow 2·(E + k·L)
 * + 1 across the 6-, 2- and 1-layer models; the composed baseline map is worked out by hand; the
 * feature term is 0 exactly where no token is masked or feature KD is off; the table's test MRR of
 * every model is recomputed from its ranks/ Parquet files by parquet-hadoop's reader; a rerun skips
 * every stage; a grade's parameters file changed after publication is refused by its ranking.
 */
class PmdComparisonTest {
  @Test
  void trainsTheGradesAndBaselinesAndPrintsTheTable(@TempDir Path work) throws Exception {
    DistillConfig c = KgGraphStageTestAccess.ciPreset(work);
    c.pmd.maxLength = 16;
    c.pmd.finetune.epochs = 1;
    c.pmd.finetune.batchSize = 8;
    c.pmd.finetune.maxTriples = 24;
    c.pmd.grades.layerMaps = new ArrayList<>(List.of(List.of(1, 4), List.of(1)));
    c.pmd.grades.maskRates = new ArrayList<>(List.of(0.25, 0.0));
    c.pmd.grades.init = "previous";
    c.pmd.grades.bootstrapSamples = 200;
    StageContext context = new StageContext(SharedSpark.session(), c, false);
    PmdComparison comparison = PmdComparison.of(context);
    List<StageResult> results = new ArrayList<>();
    Map<String, Manifest> m = new LinkedHashMap<>();
    for (Stage s : comparison.stages()) {
      StageResult r = s.run();
      results.add(r);
      m.put(r.stage(), r.manifest());
    }
    assertThat(m.keySet()).containsExactly(
        "kg-graph", "pmd-zero-shot", "pmd-finetune", "pmd-teacher", "pmd-grade-2l", "pmd-rank-2l", "pmd-grade-1l", "pmd-rank-1l",
        "pmd-grade-2l-alone", "pmd-rank-2l-alone", "pmd-grade-2l-score-kd", "pmd-rank-2l-score-kd", "pmd-grade-2l-feature-kd", "pmd-rank-2l-feature-kd",
        "pmd-grade-1l-alone", "pmd-rank-1l-alone", "pmd-grade-1l-score-kd", "pmd-rank-1l-score-kd", "pmd-grade-1l-feature-kd", "pmd-rank-1l-feature-kd");

    teacherChecks(context, m.get("pmd-finetune"), m.get("pmd-teacher"));

    // each grade learns from the model above: its recorded input and teacher sha256 against the upstream records and bytes
    assertThat(m.get("pmd-grade-2l").inputs()).containsEntry("pmd-finetune", m.get("pmd-finetune").fingerprint());
    assertThat(m.get("pmd-grade-1l").inputs()).containsEntry("pmd-grade-2l", m.get("pmd-grade-2l").fingerprint());
    assertThat(m.get("pmd-grade-1l-score-kd").inputs()).containsEntry("pmd-finetune", m.get("pmd-finetune").fingerprint());
    assertThat(m.get("pmd-grade-1l-alone").inputs()).containsOnlyKeys("kg-graph");
    assertThat(m.get("pmd-grade-1l").metrics().get("teacherParamsSha256")).isEqualTo(sha256(paramsFile(context, results, "pmd-grade-2l")));
    assertThat(m.get("pmd-grade-2l").metrics().get("teacherParamsSha256")).isEqualTo(sha256(paramsFile(context, results, "pmd-finetune")));
    // 1l's layer 0 is 2l's layer 1, the encoder's layer 4: its baseline starts from the encoder's [4]
    assertThat(m.get("pmd-grade-1l-alone").metrics()).containsEntry("layerMap", "[4]");
    assertThat(m.get("pmd-grade-2l-alone").metrics()).containsEntry("layerMap", "[1, 4]");

    // parameters: 2·(E + k·L) + 1 for k = 6, 2, 1, so (P6 − P2) = 4·(P2 − P1)
    long p6 = number(m.get("pmd-finetune"), "parameters").longValue();
    long p2 = number(m.get("pmd-grade-2l"), "parameters").longValue();
    long p1 = number(m.get("pmd-grade-1l"), "parameters").longValue();
    assertThat(p6 - p2).isEqualTo(4 * (p2 - p1));
    assertThat(number(m.get("pmd-rank-1l"), "parameters").longValue()).isEqualTo(p1);
    assertThat(number(m.get("pmd-rank-2l"), "layers").intValue()).isEqualTo(2);

    // the loss terms: masked grade and feature KD have a feature term; the unmasked grade's features are zero on both sides
    assertThat(history(context, results, "pmd-grade-2l", "trainFeature")).isPositive();
    assertThat(history(context, results, "pmd-grade-2l", "trainScore")).isPositive();
    assertThat(history(context, results, "pmd-grade-1l", "trainFeature")).isZero();
    assertThat(history(context, results, "pmd-grade-1l-feature-kd", "trainFeature")).isPositive();
    assertThat(m.get("pmd-grade-1l-alone").metrics()).doesNotContainKey("teacher");
    assertThat(history(context, results, "pmd-grade-1l-alone", "trainScore")).isNaN();

    PmdComparison.Results oneSeed = comparison.results(SharedSpark.session(), results, c);
    PmdComparison.Pooled figures = PmdComparison.pool(List.of(c.pmd.finetune.seed), List.of(comparison), List.of(oneSeed), 200, 1);
    String table = PmdComparison.markdown(figures);
    Map<String, String> inputs = new LinkedHashMap<>();
    m.forEach((stage, manifest) -> inputs.put(stage, manifest.fingerprint()));
    StageResult report = new PmdReportStage(context, figures, inputs, comparison.stages()).run();
    Path reportDir = runDir(context, List.of(report), PmdReportStage.NAME);
    String html = Files.readString(reportDir.resolve("report.html"));
    assertThat(html).contains(PmdReportStage.TITLE, "grade 1l-feature-kd", "Stage times");
    var json = new ObjectMapper().readTree(reportDir.resolve(PmdReportStage.RESULTS).toFile());
    assertThat(json.get("models")).hasSize(2 + comparison.grades().size());
    assertThat(new PmdReportStage(new StageContext(SharedSpark.session(), c, false), figures, inputs, comparison.stages()).run().skipped()).isTrue();
    for (PmdGrades.Grade g : comparison.grades()) {
      double mrr = meanReciprocalRank(context, results, "pmd-rank-" + g.id());
      assertThat(json.get("models").get(2 + comparison.grades().indexOf(g)).get("mrr").get("mean").asDouble()).isCloseTo(mrr, within(1e-9));
      assertThat(number(m.get("pmd-rank-" + g.id()), "test.mrr").doubleValue()).isCloseTo(mrr, within(1e-9));
      assertThat(table).contains(String.format(Locale.ROOT, "| grade %s | ", g.id())).contains(String.format(Locale.ROOT, "| %.4f |", mrr));
    }
    assertThat(table).contains("| 2l | alone | ", "| 2l | score-kd | ", "| 2l | feature-kd | ", "| 1l | alone | ").contains("The smallest grade (1l) keeps ");

    for (Stage s : PmdComparison.of(new StageContext(SharedSpark.session(), c, false)).stages()) {
      assertThat(s.run().skipped()).as(s.name()).isTrue();
    }

    // pmd.grades.seeds: one work directory per seed, the graph and zero-shot baseline shared with the run's
    DistillConfig seeded = c.copy();
    seeded.pmd.grades.seeds = new ArrayList<>(List.of(4L, 5L));
    List<StageContext> perSeed = PmdComparison.seedContexts(new StageContext(SharedSpark.session(), seeded, false));
    assertThat(perSeed).hasSize(2);
    assertThat(perSeed.get(1).config().pmd.finetune.seed).isEqualTo(5L);
    assertThat(perSeed.get(1).config().workDir).isEqualTo(work.resolve("seed-5").toString().replace(work.toString(), c.workDir));
    assertThat(perSeed.get(0).output("kg-graph").dir().toString()).isEqualTo(context.output("kg-graph").dir().toString());
    assertThat(perSeed.get(0).output("pmd-finetune").dir().toString()).isNotEqualTo(context.output("pmd-finetune").dir().toString());

    // a parameters file replaced after publication, outside Hadoop (as on a store without checksum files): only the manifest's sha256 can tell
    Path params = paramsFile(context, results, "pmd-grade-2l");
    byte[] bytes = Files.readAllBytes(params);
    bytes[bytes.length - 1] ^= 1;
    Files.write(params, bytes);
    Files.deleteIfExists(params.resolveSibling("." + params.getFileName() + ".crc"));
    Object recorded = ((Map<?, ?>) m.get("pmd-grade-2l").metrics().get("files")).get(BiEncoderMeta.PARAMS_FILE);
    assertThatThrownBy(() -> new TeacherRankingStage(new StageContext(SharedSpark.session(), c, false, PmdComparison.rebuild(c).closure("pmd-rank-2l")), "pmd-rank-2l", gradeStage(c, "2l")).run())
        .hasMessageContaining(BiEncoderMeta.PARAMS_FILE)
        .hasMessageContaining("the pmd-grade-2l manifest recorded " + recorded)
        .hasMessageContaining("rerun pmd-grade-2l with --overwrite");
  }

  private static Stage gradeStage(DistillConfig c, String id) {
    return PmdComparison.of(new StageContext(SharedSpark.session(), c, false)).stages().stream().filter(s -> s.name().equals("pmd-grade-" + id)).findFirst().orElseThrow();
  }

  /**
   * pmd-finetune and pmd-teacher: the artifact is what the manifest says (sha256 recomputed here), the
   * pairs are two per triple, the ranking covers every test query with unit entity vectors and ranks
   * far above chance (computed from the triples alone).
   */
  private static void teacherChecks(StageContext context, Manifest tuned, Manifest ranked) throws Exception {
    KgGraph graph = KgGraph.read(context.graph().input(KgGraphStage.NAME));
    long valid = graph.split(KgSchemas.VALID).count();
    long test = graph.split(KgSchemas.TEST).count();
    assertThat(tuned.splitCounts()).isEqualTo(Map.of("train", 48L, "valid", 2 * valid));
    Path dir = local(context.graph().input(BiEncoderFineTuneStage.NAME).output().dir());
    Map<?, ?> files = (Map<?, ?>) tuned.metrics().get("files");
    for (String name : List.of(BiEncoderMeta.PARAMS_FILE, BiEncoderMeta.META_FILE)) {
      Path file = dir.resolve(context.graph().input(BiEncoderFineTuneStage.NAME).file(name));
      assertThat(files.get(name)).isEqualTo(sha256(file));
    }
    JsonNode meta = new ObjectMapper().readTree(Files.readAllBytes(dir.resolve(context.graph().input(BiEncoderFineTuneStage.NAME).file(BiEncoderMeta.META_FILE)))).get("meta");
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
  }

  private static Path local(org.apache.hadoop.fs.Path dir) {
    return Path.of(dir.toUri().getPath());
  }

  private static Number number(Manifest m, String key) {
    return (Number) m.metrics().get(key);
  }

  /** The first epoch's {@code key} in the artifact's own training record (bi-encoder.json), NaN when absent. */
  private static double history(StageContext context, List<StageResult> results, String stage, String key) throws Exception {
    var epoch = new com.fasterxml.jackson.databind.ObjectMapper().readTree(runDir(context, results, stage).resolve(BiEncoderMeta.META_FILE).toFile()).get("training").get("history").get(0);
    return epoch.has(key) ? epoch.get(key).asDouble() : Double.NaN;
  }

  private static Path runDir(StageContext context, List<StageResult> results, String stage) {
    StageResult r = results.stream().filter(x -> x.stage().equals(stage)).findFirst().orElseThrow();
    return Path.of(new org.sparkdistill.io.StageOutput(r.path(), context.spark().sparkContext().hadoopConfiguration()).newRunDir(r.manifest().runId()).toUri().getPath());
  }

  private static Path paramsFile(StageContext context, List<StageResult> results, String stage) {
    return runDir(context, results, stage).resolve(BiEncoderMeta.PARAMS_FILE);
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  /** Mean of 1/rank over the test rows of ranks/, read with parquet-hadoop's example reader. */
  private static double meanReciprocalRank(StageContext context, List<StageResult> results, String stage) throws Exception {
    double sum = 0;
    long n = 0;
    try (var files = Files.list(runDir(context, results, stage).resolve("ranks"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList()) {
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(f.toUri())).build()) {
          for (Group g = reader.read(); g != null; g = reader.read()) {
            if (g.getString("split", 0).equals("test")) {
              sum += 1.0 / g.getLong("rank", 0);
              n++;
            }
          }
        }
      }
    }
    return sum / n;
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
