package org.sparkdistill.stage;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.teacher.HeadFile;
import org.sparkdistill.teacher.HeadTrainer;
import org.sparkdistill.teacher.TrainedHead;
import org.sparkdistill.teacher.finetune.FineTuneTeacher;
import org.sparkdistill.udfs.model.LinearHead;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.schema.Split;

/**
 * Trains the teacher head (dropout, then one linear layer) with DJL on the driver, over the cached
 * features of the labelled train split, with early stopping on the validation split. Exports W and
 * b in {@code head.json}.
 *
 * <p>Memory: the train and validation features are collected to the driver (rows × d floats;
 * 10,000 rows of 384 floats are 15 MB). The labelled split of a distillation problem is small by
 * nature; the unlabelled transfer split never leaves the executors.
 */
public final class TrainTeacherStage extends Stage {
  public static final String NAME = "train-teacher";

  public TrainTeacherStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return context.config().teacher.kind == TeacherKind.FINETUNE
        ? "train-teacher: fine-tune the encoder and a head on the labelled split"
        : "train-teacher: dropout + linear head on the labelled split";
  }

  @Override
  public StagePlan plan() {
    DistillConfig.TeacherSettings t = context.config().teacher;
    if (t.kind == TeacherKind.FINETUNE) {
      return FineTuneTeacher.trainPlan(NAME, context.config(), input(PrepareStage.NAME), context.spark().sparkContext().hadoopConfiguration());
    }
    if (t.kind != TeacherKind.HEAD) {
      throw new IllegalStateException("train-teacher trains a head; teacher.kind is " + t.kind + " (a TorchScript teacher is already trained)");
    }
    StageInput examples = input(PrepareStage.NAME);
    StageInput features = input(EncodeStage.NAME);
    return StagePlan.of(NAME)
        .input("examples", examples.fingerprint())
        .input("features", features.fingerprint())
        .settings(
            context.config(),
            "teacher.dropout", "teacher.epochs", "teacher.batchSize", "teacher.learningRate", "teacher.weightDecay", "teacher.patience", "teacher.seed")
        .labels(context.config().teacher.effectiveLabels(context.config().data));
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig.TeacherSettings t = context.config().teacher;
    if (t.kind == TeacherKind.FINETUNE) {
      return FineTuneTeacher.train(context.config(), plan, input(PrepareStage.NAME), output(), runDir, plan.labels());
    }
    List<String> labels = plan.labels();
    Dataset<Row> features = EncodeStage.featuresWithExamples(input(PrepareStage.NAME), input(EncodeStage.NAME));
    if (!labels.equals(context.config().data.labels)) {
      // a teacher on a label subset (teacher.labels) learns from the labelled rows of its labels only
      features = features.filter(functions.col(Columns.LABEL).isin(labels.toArray()));
    }
    LabelledFeatures train = collect(features, Split.TRAIN, labels);
    LabelledFeatures validation = collect(features, Split.VALIDATION, labels);
    TrainedHead trained =
        HeadTrainer.builder(t)
            .build()
            .train(train.x, train.y, validation.x, validation.y, labels.size());
    LinearHead head = new LinearHead(labels, trained.weight(), trained.bias(), t.dropout);
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("bestEpoch", trained.bestEpoch());
    training.put("epochsRun", trained.epochsRun());
    training.put("validationAccuracy", trained.bestValidationAccuracy());
    training.put("validationLoss", trained.bestValidationLoss());
    training.put("history", trained.history());
    try (OutputStream out = output().create(runDir, HeadFile.NAME)) {
      HeadFile.write(out, head, trained.weight(), trained.bias(), training);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + HeadFile.NAME + " under " + runDir, e);
    }
    return StageWrite.of(Map.of(Split.TRAIN.value(), (long) train.y.length, Split.VALIDATION.value(), (long) validation.y.length), 0)
        .metric("validationAccuracy", trained.bestValidationAccuracy())
        .metric("bestEpoch", trained.bestEpoch())
        .metric("epochsRun", trained.epochsRun())
        .metric("headParameters", head.parameterCount());
  }

  private record LabelledFeatures(float[][] x, int[] y) {}

  private static LabelledFeatures collect(Dataset<Row> features, Split split, List<String> labels) {
    List<Row> rows =
        features
            .filter(functions.col(Columns.SPLIT).equalTo(split.value()))
            .filter(functions.col(Columns.LABEL).isNotNull()) // validation beyond data.split.validationPerClass is unlabelled
            .select(Columns.ID, Columns.LABEL, Columns.FEATURES)
            .collectAsList();
    if (rows.isEmpty()) {
      throw new IllegalStateException("the " + split.value() + " split has no rows: the teacher head needs labelled " + split.value() + " data");
    }
    List<float[]> x = new ArrayList<>(rows.size());
    int[] y = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      String label = row.getString(1);
      int index = label == null ? -1 : labels.indexOf(label);
      if (index < 0) {
        throw new IllegalArgumentException(
            "row id=" + row.getString(0) + " of the " + split.value() + " split has label " + label + ", expected one of " + labels);
      }
      y[i] = index;
      x.add(RowArrays.floats(row.getList(2)));
    }
    return new LabelledFeatures(x.toArray(new float[0][]), y);
  }
}
