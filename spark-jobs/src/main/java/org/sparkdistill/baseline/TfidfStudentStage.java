package org.sparkdistill.baseline;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.evaluate.ClassificationMetrics;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageWrite;
import org.sparkdistill.stage.TargetsStage;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;

/**
 * The baseline student many users would try first: TF-IDF over word 1-2-grams ({@link
 * TfidfFeatures}) and a multinomial logistic regression (Spark MLlib, L-BFGS, L2 penalty, no
 * standardisation), trained on the same targets, labels and splits as the n-gram student of the
 * same {@code student.mode}, and scored on the same test split:
 *
 * <ul>
 *   <li>{@code labels}: the labelled train split, weight 1 per row; IDF fitted on those texts;
 *   <li>{@code kd}: soft targets as weighted rows: every train and transfer text contributes its
 *       teacher's top {@code baseline.topK} classes at {@code baseline.targetTemperature}
 *       (renormalised to sum 1) with total weight 1 −
 *       α, and every labelled text its label with weight α ({@code student.alpha}, as the n-gram
 *       student's loss α·CE + (1 − α)·KL); the weighted cross-entropy of these rows is the
 *       cross-entropy to the truncated target distribution. IDF fitted on the train and transfer
 *       texts.
 * </ul>
 *
 * Model selection: one fit per {@code baseline.regParams} value; the best accuracy on the labelled
 * validation rows (at most {@code data.split.validationPerClass} per class) wins, ties to the
 * stronger penalty. Writes the fitted featuriser ({@code features/}) and the chosen model ({@code
 * model/}) in MLlib's format, and in the manifest every validation accuracy and the test metrics.
 *
 * <p>Cost per fit: {@code maxIter} L-BFGS iterations, each one pass over the weighted rows
 * (in one partition) and a dense C × numFeatures gradient and coefficient copy (20 × 2^16
 * doubles = 10 MB) between it and the driver: about 0.1-0.5 s per iteration on 2 cores.
 */
public final class TfidfStudentStage extends Stage {
  public static final String NAME = "baseline-tfidf";
  private static final Logger LOG = LoggerFactory.getLogger(TfidfStudentStage.class);

  private static final String CLASS = "_class";
  private static final String WEIGHT = "_weight";

  public TfidfStudentStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StageOutput output() {
    return context.modeOutput(NAME);
  }

  private String mode() {
    return context.config().student.mode.toString();
  }

  @Override
  protected String description() {
    return "baseline-tfidf (" + mode() + "): TF-IDF + logistic regression student";
  }

  @Override
  public StagePlan plan() {
    DistillConfig c = context.config();
    DistillConfig.BaselineSettings b = c.baseline;
    if (!mode().equals("kd") && !mode().equals("labels")) {
      throw new IllegalArgumentException("student.mode must be kd or labels, got: " + mode());
    }
    org.sparkdistill.stage.StageInput targets = input(TargetsStage.NAME);
    StagePlan plan =
        StagePlan.of(NAME)
            .input("targets", targets.fingerprint())
            .setting("student.mode", mode())
            .setting("baseline.numFeatures", b.numFeatures)
            .setting("baseline.maxNgram", b.maxNgram)
            .setting("baseline.minDocFreq", b.minDocFreq)
            .setting("baseline.regParams", b.regParams.toString())
            .setting("baseline.maxIter", b.maxIter)
            .labels(c.data.labels);
    if (mode().equals("kd")) {
      plan.setting("student.alpha", c.student.alpha).setting("baseline.topK", b.topK)
          .setting("baseline.targetTemperature", b.targetTemperature).setting("targets.temperature", c.targets.temperature);
    }
    return plan;
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig c = context.config();
    DistillConfig.BaselineSettings b = c.baseline;
    List<String> labels = plan.labels();
    boolean kd = mode().equals("kd");
    Dataset<Row> targets = TargetsStage.rows(input(TargetsStage.NAME), labels).withColumn(CLASS, classIndex(labels));
    Column labelled = col(Columns.LABEL).isNotNull();
    Dataset<Row> train = targets.filter(col(Columns.SPLIT).equalTo(Split.TRAIN.value()).and(labelled));
    Dataset<Row> trainSide = kd ? targets.filter(col(Columns.SPLIT).isin(Split.TRAIN.value(), Split.TRANSFER.value())) : train;
    Dataset<Row> rows =
        kd
            ? train.select(col(Columns.TEXT), col(CLASS), lit(c.student.alpha).as(WEIGHT)).union(softRows(trainSide, b.topK, 1 - c.student.alpha, c.targets.temperature / b.targetTemperature))
            : train.select(col(Columns.TEXT), col(CLASS), lit(1.0).as(WEIGHT));
    Dataset<Row> validation = targets.filter(col(Columns.SPLIT).equalTo(Split.VALIDATION.value()).and(labelled));
    Dataset<Row> test = targets.filter(col(Columns.SPLIT).equalTo(Split.TEST.value()).and(labelled));

    PipelineModel features = TfidfFeatures.fit(trainSide, b);
    // Each L-BFGS iteration ships the dense C x numFeatures coefficients to every partition and
    // merges one dense gradient per partition; the rows are few (a distillation problem's texts),
    // so one partition keeps that traffic to one copy each way.
    Dataset<Row> fitRows =
        TfidfFeatures.transform(features, rows.filter(col(WEIGHT).gt(0))).coalesce(1).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> validationFeatures = TfidfFeatures.transform(features, validation).persist(StorageLevel.MEMORY_AND_DISK());
    long fitCount = fitRows.count();
    if (validationFeatures.count() == 0) {
      throw new IllegalStateException("the validation split has no labelled rows: the TF-IDF baseline needs them to choose baseline.regParams");
    }
    Map<String, Double> validationAccuracy = new LinkedHashMap<>();
    LogisticRegressionModel best = null;
    double bestAccuracy = -1;
    double bestReg = Double.NaN;
    try {
      for (double reg : b.regParams) {
        LogisticRegressionModel model =
            new LogisticRegression()
                .setFamily("multinomial")
                .setFeaturesCol(TfidfFeatures.FEATURES)
                .setLabelCol(CLASS)
                .setWeightCol(WEIGHT)
                .setRegParam(reg)
                .setElasticNetParam(0.0)
                .setStandardization(false)
                .setMaxIter(b.maxIter)
                .setTol(1e-6)
                .fit(fitRows);
        double accuracy = metrics(model, validationFeatures, labels, c.evaluate.calibrationBins).accuracy();
        validationAccuracy.put(String.format(Locale.ROOT, "%g", reg), accuracy);
        LOG.info("baseline-tfidf ({}): regParam {} -> validation accuracy {}", mode(), reg, String.format(Locale.ROOT, "%.4f", accuracy));
        if (accuracy > bestAccuracy || (accuracy == bestAccuracy && reg > bestReg)) {
          best = model;
          bestAccuracy = accuracy;
          bestReg = reg;
        }
      }
      ClassificationMetrics testMetrics = metrics(best, TfidfFeatures.transform(features, test), labels, c.evaluate.calibrationBins);
      try {
        features.write().save(new Path(runDir, "features").toString());
        best.write().save(new Path(runDir, "model").toString());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the TF-IDF baseline under " + runDir, e);
      }
      return StageWrite.of(Map.of(Split.TEST.value(), testMetrics.labelledCount()), 0)
          .metric("studentMode", mode())
          .metric("regParam", bestReg)
          .metric("validationAccuracy", bestAccuracy)
          .metric("validationAccuracyByRegParam", validationAccuracy)
          .metric("validationRows", validationFeatures.count())
          .metric("weightedTrainingRows", fitCount)
          .metric("student", testMetrics.toMap())
          .metric("parameters", (long) best.coefficientMatrix().numRows() * (best.coefficientMatrix().numCols() + 1));
    } finally {
      fitRows.unpersist();
      validationFeatures.unpersist();
    }
  }

  /** Label index in class order, as the double MLlib wants; null on unlabelled rows. */
  private static Column classIndex(List<String> labels) {
    Column[] names = labels.stream().map(org.apache.spark.sql.functions::lit).toArray(Column[]::new);
    return array_position(array(names), col(Columns.LABEL)).minus(1).cast("double");
  }

  /**
   * Each row's top-{@code k} target classes as (text, class, weight) rows, the k probabilities
   * raised to {@code power} and renormalised to sum to {@code total}. With targets softmax(z /
   * T0), power T0 / T gives softmax(z / T) restricted to the top k. Ties in probability: the lower
   * class index.
   */
  static Dataset<Row> softRows(Dataset<Row> rows, int k, double total, double power) {
    Dataset<Row> exploded =
        rows.select(col(Columns.ID), col(Columns.TEXT), posexplode(col(Columns.TARGET)).as(new String[] {"_pos", "_p"}))
            .withColumn("_p", org.apache.spark.sql.functions.pow(col("_p").cast("double"), lit(power)));
    Dataset<Row> top =
        exploded
            .withColumn("_rank", row_number().over(Window.partitionBy(Columns.ID).orderBy(col("_p").desc(), col("_pos"))))
            .filter(col("_rank").leq(lit(k)))
            .withColumn("_sum", sum(col("_p")).over(Window.partitionBy(Columns.ID)));
    return top.select(
        col(Columns.TEXT), col("_pos").cast("double").as(CLASS), col("_p").cast("double").divide(col("_sum")).multiply(lit(total)).as(WEIGHT));
  }

  /** Accuracy, macro-F1 and calibration of {@code model} on labelled rows (collected to the driver). */
  private static ClassificationMetrics metrics(LogisticRegressionModel model, Dataset<Row> rows, List<String> labels, int bins) {
    ClassificationMetrics m = new ClassificationMetrics(labels, bins);
    for (Row row : model.transform(rows).select(CLASS, "probability").collectAsList()) {
      Vector p = row.getAs(1);
      float[] probabilities = new float[labels.size()];
      int argmax = 0;
      for (int i = 0; i < Math.min(p.size(), probabilities.length); i++) {
        probabilities[i] = (float) p.apply(i);
        if (probabilities[i] > probabilities[argmax]) {
          argmax = i;
        }
      }
      m.add((int) row.getDouble(0), argmax, probabilities);
    }
    return m;
  }
}
