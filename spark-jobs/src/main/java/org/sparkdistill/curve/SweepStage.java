package org.sparkdistill.curve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageWrite;

/**
 * The {@code sweep} output: for every learning-curve cell ({@code curve.labelsPerClass} × {@code
 * curve.seeds}), the settings {@link Sweep} chose on validation, with every candidate's validation
 * accuracy, in {@code choices.json} and in the manifest's figures ({@code cells}). The learning
 * curve reads its choices from here.
 *
 * <p>The plan holds every setting that shapes a cell's candidates (the data, encoder, teacher,
 * score, targets, student and sweep sections, and the curve's cells), so a changed setting is named
 * when the output is refused. The cells' candidates are stage outputs of their own: a rerun after
 * an interruption skips every finished candidate.
 */
public final class SweepStage extends Stage {
  public static final String NAME = "sweep";
  /** Enums in their configuration spelling ({@code first-paragraph}), as every other plan records them. */
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING);
  /**
   * The config sections that shape the candidates. An allow-list, so a section added for another
   * command (a method's own grid, say) does not make a finished sweep stale.
   */
  private static final Set<String> SHAPING = Set.of("data", "encoder", "teacher", "score", "targets", "student", "sweep", "curve");

  public SweepStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return "sweep: teacher and student settings per learning-curve cell, chosen on validation";
  }

  @Override
  public StagePlan plan() {
    DistillConfig c = context.config();
    StagePlan plan = StagePlan.of(NAME).labels(c.data.labels);
    JsonNode tree = JSON.valueToTree(c);
    for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (SHAPING.contains(e.getKey())) {
        flatten(plan, e.getKey(), e.getValue());
      }
    }
    return plan;
  }

  private static void flatten(StagePlan plan, String prefix, JsonNode node) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(plan, prefix + "." + e.getKey(), e.getValue());
      }
    } else if (!prefix.equals("data.labels")) {
      plan.setting(prefix, node.isTextual() ? node.asText() : node.toString());
    }
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig base = context.config();
    LearningCurve curve = new LearningCurve(context.spark(), base, context.overwrite());
    Sweep sweep = new Sweep(context.spark(), context.overwrite());
    List<Map<String, Object>> cells = new ArrayList<>();
    for (int budget : base.curve.labelsPerClass) {
      for (long seed : base.curve.seeds) {
        cells.add(sweep.cell(curve.cellConfig(budget, seed), budget, seed).toMap());
      }
    }
    try (OutputStream out = output().create(runDir, "choices.json")) {
      JSON.writeValue(out, cells);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write choices.json under " + runDir, e);
    }
    return StageWrite.of(Map.of(), 0).metric("cells", cells);
  }

  /** The published choices, one per cell. */
  @SuppressWarnings("unchecked")
  static List<Sweep.CellChoice> choices(Map<String, Object> metrics) {
    List<Sweep.CellChoice> out = new ArrayList<>();
    for (Object cell : (List<Object>) metrics.get("cells")) {
      out.add(Sweep.CellChoice.fromMap((Map<String, Object>) cell));
    }
    return out;
  }

  /** The choices as a Markdown table: per cell, the chosen settings and validation accuracies. */
  public static String table(Map<String, Object> metrics) {
    StringBuilder out = new StringBuilder();
    out.append("| labels/class | seed | teacher lr (val acc) | KD student lr, dropout (val acc) | labels-only student lr, dropout (val acc) |\n");
    out.append("|---:|---:|---|---|---|\n");
    for (Sweep.CellChoice c : choices(metrics)) {
      Sweep.ModeChoice kd = c.modes().get("kd");
      Sweep.ModeChoice labels = c.modes().get("labels");
      out.append(
          String.format(
              Locale.ROOT,
              "| %d | %d | %s (%.4f) | %s, %s (%.4f) | %s, %s (%.4f) |%n",
              c.labelsPerClass(), c.seed(), Sweep.format(c.teacherLearningRate()), c.teacherValidationAccuracy(),
              Sweep.format(kd.learningRate()), Sweep.format(kd.dropout()), kd.validationAccuracy(),
              Sweep.format(labels.learningRate()), Sweep.format(labels.dropout()), labels.validationAccuracy()));
    }
    return out.toString();
  }
}
