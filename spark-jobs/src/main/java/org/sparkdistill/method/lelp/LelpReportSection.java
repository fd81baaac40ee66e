package org.sparkdistill.method.lelp;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.evaluate.MeanStd;
import org.sparkdistill.report.ReportSection;
import org.sparkdistill.report.RunReport;
import org.sparkdistill.report.Table;

/**
 * LELP's section of the run report: the run's LELP settings and, when the {@code lelp} command has
 * written {@code <workDir>/lelp/comparison.json}, its table (test accuracy, mean ± std over seeds,
 * teacher beside) and the choices made on validation. Reads finished numbers only.
 */
public final class LelpReportSection {
  private LelpReportSection() {}

  public static ReportSection of(RunReport run) {
    DistillConfig c = run.config();
    DistillConfig.LelpSettings l = c.targets.lelp;
    Table settings =
        Table.builder("LELP (linear projections of teacher embeddings)", "setting", "value")
            .row("targets.lelp.subclasses S", String.valueOf(l.subclasses))
            .row("targets.lelp.subclassTemperature β", String.valueOf(l.subclassTemperature))
            .row("targets.lelp.teacherTemperature τ", String.valueOf(l.teacherTemperature))
            .row("targets.lelp.nullSpace", String.valueOf(l.nullSpace))
            .row("targets.lelp.centre", String.valueOf(l.centre))
            .row("targets.lelp.whiten", String.valueOf(l.whiten))
            .row("targets.lelp.calibrate", String.valueOf(l.calibrate))
            .row("targets.lelp.membership", l.membership)
            .row("targets.lelp.alpha", String.valueOf(l.alpha))
            .row("student loss", "(1 − α)·CE(p_{c,s}) over C·S outputs + α·CE(label, Σ_s q_{c,s}), read out by Σ_s")
            .build();
    List<Table> tables = new ArrayList<>(List.of(settings));
    Map<String, Object> comparison = comparison(c.workDir);
    String intro = "Pseudo-subclass targets p_{c,s} = p_c · softmax_s(z_{c,s}/β) from the top-S principal directions of each class's teacher features.";
    if (comparison != null) {
      tables.add(table(comparison));
    } else {
      intro += " Run the lelp command for the comparison with plain KD and labels-only students.";
    }
    return ReportSection.of("LELP", intro, tables, List.of());
  }

  @SuppressWarnings("unchecked")
  static Table table(Map<String, Object> comparison) {
    Table.Builder t = Table.builder("LELP vs plain KD vs labels-only: test accuracy, mean ± std over seeds (lelp command)",
        "labels/class", "seeds", "teacher", "labels-only", "KD α=0", "KD best α", "embedding distillation", "LELP α=0 (chosen)", "LELP best α",
        "LELP S = 1 control", "chosen on validation of");
    List<Map<String, Object>> cells = (List<Map<String, Object>>) comparison.get("cells");
    for (Map<String, Object> choice : (List<Map<String, Object>>) comparison.get("choices")) {
      int budget = ((Number) choice.get("labelsPerClass")).intValue();
      List<Map<String, Object>> row = cells.stream().filter(x -> ((Number) x.get("labelsPerClass")).intValue() == budget).toList();
      if (row.isEmpty()) {
        continue;
      }
      t.row(String.valueOf(budget), String.valueOf(row.size()), f(row, "teacher"), f(row, "labelsOnly"), f(row, "kdAlpha0"),
          f(row, "kdBest") + String.format(Locale.ROOT, " (α=%s)", choice.get("alpha")),
          choice.get("embedding") != null && row.stream().allMatch(x -> x.get("embedding") instanceof Number) ? f(row, "embedding") + " (" + choice.get("embedding") + ")" : "-",
          f(row, "lelp") + " (" + choice.get("lelp") + ")",
          row.stream().allMatch(x -> x.get("lelpBest") instanceof Number) ? f(row, "lelpBest") + String.format(Locale.ROOT, " (α=%s)", choice.get("lelpAlpha")) : "-",
          row.stream().allMatch(x -> x.get("lelpS1") instanceof Number) ? f(row, "lelpS1") : "-",
          // a comparison written before lelp.selection existed chose on its first seed
          LelpComparison.chosenOn(choice.get("selectedOn") instanceof List<?> seeds && !seeds.isEmpty() ? seeds : List.of(row.get(0).get("seed"))));
    }
    return t.build();
  }

  private static String f(List<Map<String, Object>> row, String key) {
    return MeanStd.of(row.stream().mapToDouble(x -> ((Number) x.get(key)).doubleValue()).toArray()).format();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> comparison(String workDir) {
    Path path = new Path(new Path(workDir, "lelp"), "comparison.json");
    try {
      FileSystem fs = path.getFileSystem(new Configuration());
      if (!fs.exists(path)) {
        return null;
      }
      try (InputStream in = fs.open(path)) {
        return new ObjectMapper().readValue(in, Map.class);
      }
    } catch (IOException e) {
      return null;
    }
  }
}
