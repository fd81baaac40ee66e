package org.sparkdistill.method.lelp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.method.DistillationMethod;
import org.sparkdistill.method.TargetTransform;
import org.sparkdistill.method.TeacherInput;
import org.sparkdistill.stage.TrainTeacherStage;
import org.sparkdistill.teacher.HeadFile;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;
import org.sparkdistill.udfs.student.Readout;
import org.sparkdistill.udfs.train.KdLoss;
import org.sparkdistill.udfs.train.StudentLoss;
import org.sparkdistill.udfs.train.SubclassKdLoss;

/**
 * {@code targets.method: lelp}: LELP pseudo-subclass targets ({@link LelpEstimator}, {@link
 * LelpModel}) on this run's teacher cache. The fit runs on the rows the student trains on (train
 * and transfer splits; validation and test rows never shape it) and reads W from the run's {@code
 * train-teacher} output when {@code targets.lelp.nullSpace} is on. Every cache row gets C·S targets;
 * the fitted model is saved beside them ({@code lelp-model/}), so it is published and hashed with
 * the targets. The student has C·S outputs ({@code <class>#<s>}), is trained by cross-entropy
 * against the subclass targets ({@link KdLoss} with α = 0 and T = 1: the KL differs from the CE by
 * the targets' entropy, a constant, so the gradients are the CE's) and read out by summing each
 * class's S probabilities. {@code student.alpha} does not apply. With the default {@code
 * targets.lelp.alpha} 0 there is no ground-truth term, as in the paper; above 0 the labelled rows
 * add a CE on their class's summed probability ({@link SubclassKdLoss}), the analogue of KD's α.
 * With {@code targets.lelp.calibrate}, τ is fitted on the cache's labelled validation rows
 * (temperature scaling) before the fit, and recorded in the manifest.
 */
public final class LelpMethod implements DistillationMethod {
  public static final String NAME = "lelp";
  static final String ROLE = "teacher";

  private final DistillConfig config;
  private final DistillConfig.LelpSettings lelp;

  public LelpMethod(DistillConfig config) {
    this.config = config;
    this.lelp = config.targets.lelp;
    if (lelp.nullSpace && config.teacher.kind != TeacherKind.HEAD) {
      throw new IllegalArgumentException("targets.lelp.nullSpace needs a head teacher's W (teacher.kind head); a TorchScript or fine-tuned teacher has none over the cached encoder features: set targets.lelp.nullSpace=false");
    }
    estimator(); // validates every value once, at creation
  }

  /** Registers {@code targets.method: lelp}. */
  public static final class Factory implements DistillationMethod.Factory {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public DistillationMethod create(DistillConfig config) {
      return new LelpMethod(config);
    }

    @Override
    public java.util.Optional<org.sparkdistill.report.ReportSection> reportSection(org.sparkdistill.report.RunReport run) {
      return java.util.Optional.of(LelpReportSection.of(run));
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public SortedMap<String, String> settings() {
    SortedMap<String, String> s = new TreeMap<>();
    s.put("targets.lelp.subclasses", Integer.toString(lelp.subclasses));
    s.put("targets.lelp.subclassTemperature", Double.toString(lelp.subclassTemperature));
    s.put("targets.lelp.teacherTemperature", Double.toString(lelp.teacherTemperature));
    s.put("targets.lelp.nullSpace", Boolean.toString(lelp.nullSpace));
    s.put("targets.lelp.centre", Boolean.toString(lelp.centre));
    s.put("targets.lelp.membership", lelp.membership);
    s.put("targets.lelp.seed", Long.toString(lelp.seed));
    if (lelp.whiten) {
      // recorded only when on, so outputs made before the setting existed (raw projections) stay up to date
      s.put("targets.lelp.whiten", "true");
    }
    if (lelp.calibrate) {
      // recorded only when on (the fitted tau replaces teacherTemperature), as whiten
      s.put("targets.lelp.calibrate", "true");
    }
    if (lelp.alpha > 0) {
      // recorded only when set, so outputs made before the setting existed (alpha 0) stay up to date
      s.put("targets.lelp.alpha", Double.toString(lelp.alpha));
    }
    return s;
  }

  @Override
  public List<TeacherInput> teachers() {
    return List.of(new TeacherInput(ROLE, "score", config.data.labels));
  }

  LelpEstimator estimator() {
    try {
      return new LelpEstimator()
          .setSubclasses(lelp.subclasses)
          .setSubclassTemperature(lelp.subclassTemperature)
          .setTeacherTemperature(lelp.teacherTemperature)
          .setNullSpace(lelp.nullSpace)
          .setCentre(lelp.centre)
          .setWhiten(lelp.whiten)
          .setMembership(lelp.membership)
          .setSeed(lelp.seed)
          .setLabels(config.data.labels);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("targets.lelp: " + e.getMessage(), e);
    }
  }

  @Override
  public TargetTransform fit(Map<String, Dataset<Row>> caches) {
    Dataset<Row> cache = caches.get(ROLE);
    LelpEstimator estimator = estimator().setSource("teacher cache (score output)");
    if (lelp.nullSpace) {
      estimator.setHead(head(cache.sparkSession()));
    }
    Map<String, Object> calibration = Map.of();
    if (lelp.calibrate) {
      calibration = calibrate(cache);
      estimator.setTeacherTemperature((Double) calibration.get("lelpTeacherTemperature"));
    }
    Dataset<Row> rows = cache.filter(functions.col(Columns.SPLIT).isin(Split.TRAIN.value(), Split.TRANSFER.value()));
    LelpModel model = estimator.fit(rows);
    return calibration.isEmpty() ? model : model.withFigures(calibration);
  }

  /**
   * Temperature scaling of the teacher on the cache's labelled validation rows (their logits come
   * to the driver: C floats per row, as many rows as the validation budget): the τ minimising the
   * NLL, with the NLL at τ = 1 and at the fitted τ.
   */
  private Map<String, Object> calibrate(Dataset<Row> cache) {
    cache.sparkSession().sparkContext().setJobDescription("LELP: teacher temperature on the labelled validation rows");
    List<Row> validation =
        cache.filter(functions.col(Columns.SPLIT).equalTo(Split.VALIDATION.value()).and(functions.col(Columns.LABEL).isNotNull()))
            .select(Columns.LABEL, Columns.LOGITS)
            .collectAsList();
    cache.sparkSession().sparkContext().setJobDescription(null);
    List<float[]> logits = new java.util.ArrayList<>();
    List<Integer> truth = new java.util.ArrayList<>();
    for (Row r : validation) {
      org.sparkdistill.evaluate.Calibration.LabelledLogits row = org.sparkdistill.evaluate.Calibration.LabelledLogits.of(r, 0, 1, config.data.labels, false);
      if (row.label() < 0) {
        throw new IllegalArgumentException("teacher cache (score output), validation row label " + r.getString(0) + ": not one of data.labels " + config.data.labels);
      }
      logits.add(row.logits());
      truth.add(row.label());
    }
    if (logits.isEmpty()) {
      throw new IllegalArgumentException("targets.lelp.calibrate needs labelled validation rows in the teacher cache, found none: label validation rows (data.split.validationPerClass) or set targets.lelp.calibrate=false");
    }
    double tau = org.sparkdistill.evaluate.TemperatureScaling.fit(logits, truth);
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("lelpTeacherTemperature", tau);
    out.put("lelpCalibrationRows", logits.size());
    out.put("lelpCalibrationNllAt1", org.sparkdistill.evaluate.TemperatureScaling.nll(logits, truth, 1.0));
    out.put("lelpCalibrationNll", org.sparkdistill.evaluate.TemperatureScaling.nll(logits, truth, tau));
    org.slf4j.LoggerFactory.getLogger(LelpMethod.class).info("LELP: teacher temperature {} fitted on {} validation rows (NLL {} at 1, {} fitted)", tau, logits.size(), out.get("lelpCalibrationNllAt1"), out.get("lelpCalibrationNll"));
    return out;
  }

  /** W of this run's published teacher head ({@code train-teacher}'s {@code head.json}). */
  private float[][] head(SparkSession spark) {
    String dir = config.outputs.getOrDefault(TrainTeacherStage.NAME, new Path(config.workDir, TrainTeacherStage.NAME).toString());
    StageOutput output = new StageOutput(dir, spark.sparkContext().hadoopConfiguration());
    Manifest manifest = output.requireFinished(TrainTeacherStage.NAME);
    String file =
        manifest.files().stream()
            .filter(f -> f.equals(HeadFile.NAME) || f.endsWith("/" + HeadFile.NAME))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("the train-teacher output at " + dir + " lists no " + HeadFile.NAME + ": rerun train-teacher with --overwrite"));
    try (InputStream in = output.open(file)) {
      HeadFile.Document head = new com.fasterxml.jackson.databind.ObjectMapper().readValue(in, HeadFile.Document.class);
      if (!head.labels().equals(config.data.labels)) {
        throw new IllegalStateException("teacher head at " + dir + " predicts labels " + head.labels() + ", the config names " + config.data.labels);
      }
      return head.weight();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the teacher head " + dir + "/" + file, e);
    }
  }

  @Override
  public List<String> studentOutputs(List<String> classes) {
    return LelpModel.outputs(classes, lelp.subclasses);
  }

  @Override
  public Readout readout(List<String> classes) {
    return readout(classes, lelp.subclasses);
  }

  /** Output c·S + s belongs to class c. */
  public static Readout readout(List<String> classes, int subclasses) {
    int[] map = new int[classes.size() * subclasses];
    for (int j = 0; j < map.length; j++) {
      map[j] = j / subclasses;
    }
    return new Readout(classes, map);
  }

  @Override
  public StudentLoss loss(SortedMap<String, String> targetSettings, DistillConfig.StudentSettings student) {
    // α and S as the targets were built (their manifest), as the student's outputs are
    double alpha = Double.parseDouble(targetSettings.getOrDefault("targets.lelp.alpha", "0"));
    int subclasses = Integer.parseInt(targetSettings.getOrDefault("targets.lelp.subclasses", Integer.toString(lelp.subclasses)));
    return alpha > 0 ? new SubclassKdLoss(alpha, subclasses) : new KdLoss(0.0, 1.0);
  }
}
