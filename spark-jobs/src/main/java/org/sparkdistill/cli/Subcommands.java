package org.sparkdistill.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.ScoreStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.stage.TrainTeacherStage;
import picocli.CommandLine.Command;

/** The stage subcommands: one per stage, and {@code pipeline} for the chain. */
final class Subcommands {
  private Subcommands() {}

  @Command(name = PrepareStage.NAME, description = "Validate, deduplicate and split the raw data (transfer labels removed).")
  static final class Prepare extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new PrepareStage(context));
    }
  }

  @Command(name = EncodeStage.NAME, description = "Run the frozen ONNX encoder over all splits and cache pooled features.")
  static final class Encode extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new EncodeStage(context));
    }
  }

  @Command(name = TrainTeacherStage.NAME, description = "Train the teacher head (dropout + linear) on the labelled split.")
  static final class TrainTeacher extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new TrainTeacherStage(context));
    }
  }

  @Command(name = ScoreStage.NAME, description = "Write the teacher cache: logits, features and MC-dropout uncertainty.")
  static final class Score extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new ScoreStage(context));
    }
  }

  @Command(
      name = "pipeline",
      description = "Run the chain: prepare -> encode -> train-teacher -> score (teacher.kind=torchscript: prepare -> score). Finished stages are skipped.")
  static final class Pipeline extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      if (context.config().teacher.kind.equals("torchscript")) {
        return List.of(new PrepareStage(context), new ScoreStage(context));
      }
      return List.of(
          new PrepareStage(context), new EncodeStage(context), new TrainTeacherStage(context), new ScoreStage(context));
    }

    @Override
    protected void report(StageContext context, List<StageResult> results) {
      Map<String, Object> metrics = results.get(results.size() - 1).manifest().metrics();
      System.out.println();
      System.out.println("Teacher (" + context.config().teacher.kind + ") accuracy, dropout off:");
      for (String split : List.of("train", "validation", "test")) {
        Object accuracy = metrics.get(split + "Accuracy");
        if (accuracy instanceof Number) {
          System.out.printf(Locale.ROOT, "  %-10s %.4f%n", split, ((Number) accuracy).doubleValue());
        }
      }
      System.out.printf(
          Locale.ROOT,
          "  mean MC certainty %.4f, mean mutual information %.4f (K=%d)%n",
          ((Number) metrics.getOrDefault("meanCertainty", Double.NaN)).doubleValue(),
          ((Number) metrics.getOrDefault("meanMutualInformation", Double.NaN)).doubleValue(),
          context.config().score.mcPasses);
    }
  }
}
