package org.sparkdistill.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkdistill.curve.LearningCurve;
import org.sparkdistill.evaluate.EvaluationReport;
import org.sparkdistill.report.HtmlReports;
import org.sparkdistill.stage.ReportStage;
import org.sparkdistill.stage.Chain;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.EvaluateStage;
import org.sparkdistill.stage.PredictStage;
import org.sparkdistill.stage.TargetsStage;
import org.sparkdistill.stage.TrainStudentStage;
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

  @Command(name = TrainTeacherStage.NAME, description = "Train the teacher head (dropout + linear) on the labelled split, or fine-tune encoder + head (teacher.kind: finetune).")
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

  @Command(name = TargetsStage.NAME, description = "Build training targets from the teacher cache (targets.method, e.g. kd).")
  static final class Targets extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new TargetsStage(context));
    }
  }

  @Command(name = TrainStudentStage.NAME, description = "Train the student (student.mode: kd or labels) with checkpoints and early stopping.")
  static final class TrainStudent extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new TrainStudentStage(context));
    }
  }

  @Command(name = PredictStage.NAME, description = "Run the saved student over a dataset (predict.input, or the prepared examples).")
  static final class Predict extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new PredictStage(context));
    }
  }

  @Command(name = EvaluateStage.NAME, description = "Score the student beside the teacher on the test split: quality, agreement, calibration, size, speed.")
  static final class Evaluate extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new EvaluateStage(context));
    }

    @Override
    protected void report(StageContext context, List<StageResult> results) {
      System.out.println();
      StageResult evaluate = results.get(results.size() - 1);
      System.out.println(EvaluationReport.markdown(evaluate.manifest().metrics()));
      evaluate.manifest().files().stream().filter(f -> f.endsWith(HtmlReports.FILE_NAME)).findFirst()
          .ifPresent(f -> System.out.println("report: " + evaluate.path() + "/" + f));
    }
  }

  @Command(
      name = "teacher",
      description =
          "Run the teacher stages alone: prepare -> encode -> train-teacher -> score (a TorchScript teacher: prepare ->"
              + " score), the cache every student and method reads. What a GPU job runs; finished stages are skipped.")
  static final class Teacher extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return Chain.teacher(context);
    }
  }

  @Command(
      name = "pipeline",
      description =
          "Run everything: prepare -> encode -> train-teacher -> score -> targets -> train-student (KD and labels-only)"
              + " -> predict -> evaluate, then the learning curve (curve.*). Finished stages are skipped.")
  static final class Pipeline extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return Chain.full(context);
    }

    @Override
    protected void report(StageContext context, List<StageResult> results) {
      printTeacher(context, results);
      for (StageResult r : results) {
        if (r.stage().equals(EvaluateStage.NAME)) {
          System.out.println();
          System.out.println(EvaluationReport.markdown(r.manifest().metrics()));
        }
      }
      if (!context.config().curve.labelsPerClass.isEmpty()) {
        printCurve(context);
      }
      ReportStage report = new ReportStage(context);
      System.out.println();
      System.out.println(report.run().summary());
      System.out.println("report: " + report.page());
    }
  }

  @Command(name = "curve", description = "Run the learning curve alone: teacher, labels-only and KD students per label budget and seed.")
  static final class Curve extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of();
    }

    @Override
    protected void report(StageContext context, List<StageResult> results) {
      printCurve(context);
    }
  }

  @Command(
      name = org.sparkdistill.curve.SweepStage.NAME,
      description =
          "Choose the teacher head's and the students' settings per learning-curve cell on validation (grid: sweep.*);"
              + " resumable, finished candidates are skipped. The curve uses these choices.")
  static final class Sweep extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of(new org.sparkdistill.curve.SweepStage(context));
    }

    @Override
    protected void report(StageContext context, List<StageResult> results) {
      System.out.println();
      System.out.print(org.sparkdistill.curve.SweepStage.table(results.get(0).manifest().metrics()));
    }
  }

  @Command(
      name = "leakage",
      description =
          "Print cross-split near duplicates (test texts whose first paragraph or word shingles match a pool text of another"
              + " group) with the configured groups and with near-duplicate grouping, and how many rows the grouping moves.")
  static final class Leakage extends StageCommand {
    @Override
    protected List<Stage> stages(StageContext context) {
      return List.of();
    }

    @Override
    protected void report(StageContext context, List<StageResult> results) {
      var data = context.config().data;
      var report = new org.sparkdistill.data.ExamplePreparer(context.spark(), data).leakage();
      System.out.print(report.text(data.split));
    }
  }

  static void printTeacher(StageContext context, List<StageResult> results) {
    StageResult score = results.stream().filter(r -> r.stage().equals(ScoreStage.NAME)).findFirst().orElseThrow();
    Map<String, Object> metrics = score.manifest().metrics();
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

  static void printCurve(StageContext context) {
    List<LearningCurve.Cell> cells = new LearningCurve(context.spark(), context.config(), context.overwrite()).run();
    System.out.println();
    System.out.println("## Learning curve: test accuracy, mean ± std over seeds " + context.config().curve.seeds);
    System.out.println();
    System.out.print(LearningCurve.table(cells));
    int budget = context.config().curve.labelsPerClass.stream().mapToInt(Integer::intValue).max().orElse(0);
    System.out.println();
    LearningCurve.verdict(cells, budget).forEach(line -> System.out.println("- " + line));
  }
}
