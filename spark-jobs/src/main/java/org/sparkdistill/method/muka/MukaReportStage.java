package org.sparkdistill.method.muka;

import java.util.ArrayList;
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
import org.sparkdistill.report.RunReport;
import org.sparkdistill.report.StageTimes;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageWrite;

/**
 * The {@code muka} command's report, {@code <workDir>/muka-report}: {@code comparison.json} (the
 * machine-readable results, {@link MukaResults}), {@code comparison.md} (the table the command
 * prints) and {@code report.html}, the project's run report with MUKA's full section ({@link
 * MukaReportSection}) and the usual sections (test quality, calibration, confusion matrix,
 * teacher uncertainty, stage times) for the first seed's students. Its plan holds the fingerprint
 * of every cell's evaluation and every teacher cache, so it is skipped when none changed; no Spark
 * job (it reads manifests only).
 */
public final class MukaReportStage extends Stage {
  public static final String NAME = "muka-report";
  /** The machine-readable results inside the output. */
  public static final String RESULTS = ComparisonReportFiles.RESULTS;

  private final Map<String, Object> results;
  private final String markdown;
  private final SortedMap<String, String> inputs;
  private final Map<String, Map<String, Object>> evaluations;
  private final List<Stage> stages;

  /**
   * @param results {@link MukaResults#toJson}
   * @param markdown the printed table
   * @param inputs role → fingerprint of every output the results come from
   * @param evaluations the first seed's evaluate metrics per student (shown beside the union teacher)
   * @param stages the first seed's stages (their times)
   */
  public MukaReportStage(StageContext context, Map<String, Object> results, String markdown, Map<String, String> inputs, Map<String, Map<String, Object>> evaluations, List<Stage> stages) {
    super(context);
    this.results = results;
    this.markdown = markdown;
    this.inputs = new TreeMap<>(inputs);
    this.evaluations = evaluations;
    this.stages = stages;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return "muka-report: the MUKA comparison's table and HTML page";
  }

  @Override
  public StagePlan plan() {
    StagePlan plan = StagePlan.of(NAME);
    inputs.forEach(plan::input);
    DistillConfig c = context.config();
    return plan.setting("muka.seeds", c.muka.seeds).setting("muka.students", c.muka.students).setting("muka.teachers", MukaTeachers.of(c).stream().map(t -> t.name() + "=" + t.labels() + "@" + t.precision()).toList())
        .labels(c.data.labels);
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig c = context.config();
    return ComparisonReportFiles.write(output(), runDir, results, markdown, render(c, results, evaluations, StageTimes.of(stages)), "the MUKA report");
  }

  /**
   * The page: MUKA's full section first, then the project's usual sections for {@code
   * evaluations} (none when empty).
   */
  public static String render(DistillConfig c, Map<String, Object> results, Map<String, Map<String, Object>> evaluations, List<StageTimes.Entry> times) {
    DistillConfig reportConfig = c.copy();
    reportConfig.targets.method = MukaMethod.NAME;
    ReportSection full = MukaReportSection.of(reportConfig, results);
    List<ReportSection> sections = new ArrayList<>();
    Map<String, String> facts = new java.util.LinkedHashMap<>();
    if (evaluations.isEmpty()) {
      sections.add(full);
    } else {
      RunReport run = new RunReport(reportConfig, evaluations, List.of(), times);
      for (ReportSection s : ReportSections.all(run)) {
        sections.add(s.title().equals(MukaReportSection.TITLE) ? full : s);
      }
      facts.putAll(ReportSections.facts(run));
    }
    String subtitle = String.format(Locale.ROOT, "%s (%s), %d classes, work directory %s; per-student sections below the MUKA one show the first seed",
        c.data.path, c.data.format, c.data.labels.size(), c.workDir);
    return HtmlReport.render("MUKA: one student from teachers on label subsets", subtitle, facts, sections);
  }
}
