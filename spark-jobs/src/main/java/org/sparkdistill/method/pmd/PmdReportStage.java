package org.sparkdistill.method.pmd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.report.ComparisonReportFiles;
import org.sparkdistill.report.HtmlReport;
import org.sparkdistill.report.ReportSection;
import org.sparkdistill.report.ReportSections;
import org.sparkdistill.report.StageTimes;
import org.sparkdistill.report.Table;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageWrite;

/**
 * The {@code pmd} command's report, {@code <workDir>/pmd-report}: {@code comparison.json} (the
 * machine-readable {@link PmdComparison.Results}), {@code comparison.md} (the table the command
 * prints) and {@code report.html} (the grades and baselines, the paired bootstrap, the smallest
 * grade's share beside the paper's, and the stage times). Its plan holds the fingerprint of every
 * ranking it reads, so it is skipped when none changed; no Spark job.
 */
public final class PmdReportStage extends Stage {
  public static final String NAME = "pmd-report";
  public static final String RESULTS = ComparisonReportFiles.RESULTS;
  /** The report section's heading. */
  public static final String TITLE = "PMD: knowledge graph completion";

  private final PmdComparison.Pooled results;
  private final SortedMap<String, String> inputs;
  private final List<Stage> stages;

  /**
   * @param inputs stage → fingerprint of every output the results come from
   * @param stages the chain's stages (their times)
   */
  public PmdReportStage(StageContext context, PmdComparison.Pooled results, Map<String, String> inputs, List<Stage> stages) {
    super(context);
    this.results = results;
    this.inputs = new TreeMap<>(inputs);
    this.stages = stages;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return "pmd-report: the PMD comparison's table and HTML page";
  }

  @Override
  public StagePlan plan() {
    StagePlan plan = StagePlan.of(NAME);
    inputs.forEach(plan::input);
    return plan.settings(context.config(), "pmd.grades.bootstrapSamples", "pmd.grades.seeds");
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    return ComparisonReportFiles.write(output(), runDir, results, PmdComparison.markdown(results), render(context.config(), results, StageTimes.of(stages)), "the PMD report");
  }

  /** The page: PMD's section, then the stage times. */
  public static String render(DistillConfig c, PmdComparison.Pooled r, List<StageTimes.Entry> times) {
    List<ReportSection> sections = new ArrayList<>();
    sections.add(section(r));
    sections.add(ReportSections.stageTimes(times));
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("graph", r.graph());
    facts.put("seeds", String.valueOf(r.seeds()));
    facts.put("smallest grade", String.format(Locale.ROOT, "%s: %.1f%% of the teacher's MRR, %.1f%% of its parameters", r.smallest(), 100 * r.mrrShare().mean(), 100 * r.parameterShare()));
    String subtitle = String.format(Locale.ROOT, "knowledge graph %s, encoder %s, work directory %s", c.kg.source, c.encoder.model, c.workDir);
    return HtmlReport.render("PMD: progressive distillation for knowledge graph completion", subtitle, facts, sections);
  }

  /** PMD's section: the models table and the paired bootstrap table. */
  public static ReportSection section(PmdComparison.Pooled r) {
    Table.Builder models = Table.builder("Test ranking over all entities (filtered), " + r.graph() + ", seeds " + r.seeds(), "model", "variant", "layers", "parameters", "MRR", "H@1", "H@3", "H@10", "texts/s");
    for (PmdComparison.SeedRow m : r.models()) {
      models.row(m.model(), m.variant(), m.layers(), m.parameters(), f4(m.mrr()), f4(m.hits1()), f4(m.hits3()), f4(m.hits10()), PmdComparison.format(m.textsPerSecond(), "%.1f"));
    }
    Table.Builder diffs = Table.builder("Grade minus same-size baseline, test MRR; paired bootstrap over the test queries (" + r.bootstrapSamples() + " resamples, 95%)", "grade", "baseline", "Δ MRR", "95% interval", "excludes 0");
    for (PmdComparison.Difference d : r.differences()) {
      diffs.row(d.grade(), d.baseline(), String.format(Locale.ROOT, "%+.4f", d.bootstrap().mean()), String.format(Locale.ROOT, "[%+.4f, %+.4f]", d.bootstrap().low(), d.bootstrap().high()), d.excludesZero() ? "yes" : "no");
    }
    String intro = "Each grade is distilled from the one above on the same masked token ids (contrastive + score + masked-feature losses); each baseline has its grade's"
        + " architecture, trained alone or by score-only or feature KD from the fine-tuned teacher. " + PmdComparison.smallestSentence(r);
    return ReportSection.of(TITLE, intro, List.of(models.build(), diffs.build()), List.of());
  }

  private static String f4(org.sparkdistill.evaluate.MeanStd v) {
    return PmdComparison.format(v, "%.4f");
  }
}
