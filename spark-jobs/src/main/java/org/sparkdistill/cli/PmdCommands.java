package org.sparkdistill.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkdistill.kg.KgGraphStage;
import org.sparkdistill.method.pmd.ZeroShotStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import picocli.CommandLine.Command;

/** The knowledge-graph subcommands (README "PMD: knowledge graph completion"). */
final class PmdCommands {
  private PmdCommands() {}

  /** A knowledge-graph command: {@code --rebuild} knows the graph, zero-shot and teacher stages. */
  abstract static class KgStageCommand extends StageCommand {
    @Override
    protected org.sparkdistill.stage.Rebuild rebuild(org.sparkdistill.config.DistillConfig config) {
      return org.sparkdistill.method.pmd.PmdComparison.knowledgeGraph();
    }
  }

  @Command(
      name = KgGraphStage.NAME,
      description = "Build the knowledge graph (kg.*): WordNet 3.1's WN18RR relations or a user's tables, checked, optionally sampled, split; Parquet entities and triples.")
  static final class Graph extends KgStageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new KgGraphStage(context));
    }
  }

  @Command(
      name = ZeroShotStage.NAME,
      description = "kg-graph, then the frozen pretrained encoder as a bi-encoder: filtered MRR and Hits@1/3/10 over all entities on valid and test. Finished stages are skipped.")
  static final class ZeroShot extends KgStageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new KgGraphStage(context), new ZeroShotStage(context));
    }

    @Override
    protected void report(StageContext context, List<StageResult> results) {
      System.out.println();
      System.out.print(table(results.get(0).manifest().splitCounts(), results.get(1).manifest().metrics(), "zero-shot all-MiniLM-L6-v2"));
    }
  }

  @Command(
      name = org.sparkdistill.method.pmd.TeacherRankingStage.NAME,
      description = "kg-graph, pmd-finetune (the SimKGC bi-encoder fine-tuned on the training triples, on the driver), then its filtered MRR and Hits@1/3/10 over all entities on valid and test. Finished stages are skipped.")
  static final class Teacher extends KgStageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new KgGraphStage(context), new org.sparkdistill.method.pmd.BiEncoderFineTuneStage(context), new org.sparkdistill.method.pmd.TeacherRankingStage(context));
    }

    @Override
    protected void report(StageContext context, List<StageResult> results) {
      System.out.println();
      System.out.print(table(results.get(0).manifest().splitCounts(), results.get(2).manifest().metrics(), "fine-tuned SimKGC bi-encoder"));
    }
  }

  @Command(
      name = "pmd",
      description = "The whole PMD comparison: kg-graph, pmd-zero-shot, pmd-finetune and pmd-teacher, then each grade of pmd.grades.* (pmd-grade-<k>l, distilled from the grade above)"
          + " and each smaller grade's baselines (trained alone, score-only KD, feature KD without masking), each ranked (pmd-rank-<id>); prints the table."
          + " Finished stages are skipped, so a rerun resumes at the first unfinished grade.")
  static final class Pmd extends StageCommand {
    private final List<org.sparkdistill.method.pmd.PmdComparison> runs = new java.util.ArrayList<>();
    private final List<Long> seeds = new java.util.ArrayList<>();
    private final List<List<Stage>> chains = new java.util.ArrayList<>();

    @Override
    protected org.sparkdistill.stage.Rebuild rebuild(org.sparkdistill.config.DistillConfig config) {
      return org.sparkdistill.method.pmd.PmdComparison.rebuild(config);
    }

    @Override
    protected List<Stage> stages(StageContext context) {
      List<Stage> all = new java.util.ArrayList<>();
      for (StageContext seed : org.sparkdistill.method.pmd.PmdComparison.seedContexts(context)) {
        org.sparkdistill.method.pmd.PmdComparison run = org.sparkdistill.method.pmd.PmdComparison.of(seed);
        runs.add(run);
        seeds.add(seed.config().pmd.finetune.seed);
        chains.add(run.stages());
        all.addAll(run.stages());
      }
      return all;
    }

    @Override
    protected void report(StageContext context, List<StageResult> results) {
      List<org.sparkdistill.method.pmd.PmdComparison.Results> perSeed = new java.util.ArrayList<>();
      java.util.Map<String, String> inputs = new java.util.LinkedHashMap<>();
      int at = 0;
      for (int i = 0; i < runs.size(); i++) {
        List<StageResult> mine = results.subList(at, at + chains.get(i).size());
        at += chains.get(i).size();
        perSeed.add(runs.get(i).results(context.spark(), mine, runs.get(i).context().config()));
        for (StageResult s : mine) {
          inputs.put(s.path(), s.manifest().fingerprint());
        }
      }
      org.sparkdistill.method.pmd.PmdComparison.Pooled pooled =
          org.sparkdistill.method.pmd.PmdComparison.pool(seeds, runs, perSeed, context.config().pmd.grades.bootstrapSamples, context.config().pmd.finetune.seed);
      List<Stage> stages = chains.stream().flatMap(List::stream).toList();
      StageResult report = new org.sparkdistill.method.pmd.PmdReportStage(context, pooled, inputs, stages).run();
      System.out.println(report.summary());
      System.out.println();
      System.out.print(org.sparkdistill.method.pmd.PmdComparison.markdown(pooled));
    }
  }

  /** The zero-shot result as a Markdown table, the random ranking's expectation beside it. */
  static String table(Map<String, Long> graph, Map<String, Object> m, String model) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "Graph: %s entities, %s train / %s valid / %s test triples%n%n", graph.get("entities"), graph.get("train"), graph.get("valid"), graph.get("test")));
    out.append("| model | split | queries | MRR | H@1 | H@3 | H@10 | random MRR | texts/s |\n|---|---|---|---|---|---|---|---|---|\n");
    for (String variant : List.of("", ".sourceExcluded")) {
      for (String s : List.of("valid", "test")) {
        String k = s + variant;
        out.append(String.format(Locale.ROOT, "| %s%s | %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.1f |%n", model, variant.isEmpty() ? "" : " (source excluded)", s,
            m.get(k + ".queries"), num(m, k + ".mrr"), num(m, k + ".hits1"), num(m, k + ".hits3"), num(m, k + ".hits10"), num(m, s + ".randomMrr"), num(m, "textsPerSecond")));
      }
    }
    return out.toString();
  }

  private static double num(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
