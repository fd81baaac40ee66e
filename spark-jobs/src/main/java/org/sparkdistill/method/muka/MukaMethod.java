package org.sparkdistill.method.muka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.method.DistillationMethod;
import org.sparkdistill.method.TargetTransform;
import org.sparkdistill.method.TeacherInput;
import org.sparkdistill.udfs.student.Readout;
import org.sparkdistill.udfs.train.KdLoss;
import org.sparkdistill.udfs.train.StudentLoss;
import org.sparkdistill.udfs.train.UhcLoss;

/**
 * MUKA / MUKI (Li et al. 2021, methods.md §1) on the method seam: several teacher caches, each
 * over its own label subset ({@link MukaTeachers}), amalgamated into one student over the union
 * label set, with no human label reaching the student ({@link #hidesPoolLabels}). {@code
 * muka.variant} picks what the targets are:
 *
 * <ul>
 *   <li>{@code muka}: the teachers' distributions zero-padded into the union label map, selected
 *       by certainty (soft: softmax(u / 0.2) weights; hard: the most certain), each row weighted
 *       by the certainty margin r = |u_top1 − u_top2| + ε; the student's loss is the weighted KL
 *       alone ({@link KdLoss} with α = 0, T = 1). Certainty comes from the cache's K MC-dropout
 *       passes ({@code muka.uncertainty: mc}; with the frozen ONNX encoder the passes cover the
 *       head's dropout only) or from one deterministic pass ({@code no-mc});
 *   <li>{@code concat-kd}: plain KD on the concatenated teacher logits, softmax(concat / T), T =
 *       {@code muka.kdTemperature} (5), loss × T²; the student has one output per teacher label
 *       (Σ|Y_k|), read out by summing the outputs of one union class;
 *   <li>{@code uhc}: the student's probabilities renormalised inside each teacher's block, one KL
 *       per teacher ({@link UhcLoss}).
 * </ul>
 *
 * The teacher caches are the {@code score-<name>} outputs. Cost: see {@link MukaTargets}.
 */
public final class MukaMethod implements DistillationMethod {
  public static final String NAME = "muka";
  public static final String MUKA = "muka";
  public static final String CONCAT_KD = "concat-kd";
  public static final String UHC = "uhc";
  public static final List<String> VARIANTS = List.of(MUKA, CONCAT_KD, UHC);
  public static final String MC = "mc";
  public static final String NO_MC = "no-mc";

  private final DistillConfig.MukaSettings settings;
  private final List<MukaTeachers.Teacher> teachers;
  private final List<String> union;

  public MukaMethod(DistillConfig config) {
    this.settings = config.muka;
    this.teachers = MukaTeachers.of(config);
    this.union = List.copyOf(config.data.labels);
    if (teachers.size() < 2) {
      throw new IllegalArgumentException("muka.teachers must name two or more teachers, got " + teachers.size());
    }
  }

  /** Registers {@code targets.method: muka}. */
  public static final class Factory implements DistillationMethod.Factory {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public DistillationMethod create(DistillConfig config) {
      return new MukaMethod(config);
    }

    @Override
    public java.util.Optional<org.sparkdistill.report.ReportSection> reportSection(org.sparkdistill.report.RunReport run) {
      return java.util.Optional.of(MukaReportSection.of(run));
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  public List<MukaTeachers.Teacher> teacherList() {
    return teachers;
  }

  @Override
  public SortedMap<String, String> settings() {
    SortedMap<String, String> s = new TreeMap<>();
    s.put("muka.variant", settings.variant);
    StringBuilder t = new StringBuilder();
    for (MukaTeachers.Teacher teacher : teachers) {
      t.append(t.length() == 0 ? "" : "; ").append(teacher.name()).append('=').append(teacher.labels()).append(' ').append(teacher.precision());
    }
    s.put("muka.teachers", t.toString());
    if (settings.variant.equals(MUKA)) {
      s.put("muka.uncertainty", settings.uncertainty);
      s.put("muka.selection", settings.selection);
      s.put("muka.selectionTemperature", Double.toString(settings.selectionTemperature));
      s.put("muka.reweight", Boolean.toString(settings.reweight));
      s.put("muka.epsilon", Double.toString(settings.epsilon));
    } else if (settings.variant.equals(CONCAT_KD)) {
      s.put("muka.kdTemperature", Double.toString(settings.kdTemperature));
    }
    return s;
  }

  @Override
  public List<TeacherInput> teachers() {
    List<TeacherInput> out = new ArrayList<>();
    for (MukaTeachers.Teacher t : teachers) {
      out.add(new TeacherInput(t.name(), t.scoreOutput(), t.labels()));
    }
    return out;
  }

  /** MC selection needs caches scored with K ≥ 2 passes and dropout on. */
  @Override
  public void checkCaches(Map<String, Manifest> manifests, Map<String, String> sources) {
    if (!(settings.variant.equals(MUKA) && settings.uncertainty.equals(MC))) {
      return;
    }
    for (Map.Entry<String, Manifest> e : manifests.entrySet()) {
      SortedMap<String, String> s = e.getValue().settings();
      String passes = s.get("score.mcPasses");
      String dropout = s.get("teacher.dropout");
      boolean hasMc = passes != null && Integer.parseInt(passes) >= 2 && (dropout == null || Double.parseDouble(dropout) > 0);
      if (!hasMc) {
        throw new IllegalArgumentException(
            "teacher cache '" + e.getKey() + "' at " + sources.get(e.getKey()) + " has no MC-dropout statistics (score.mcPasses = " + passes
                + ", teacher.dropout = " + dropout + "): muka.uncertainty mc needs score.mcPasses >= 2 with teacher.dropout > 0; rescore it"
                + " (--set score.mcPasses=16) or set muka.uncertainty: no-mc");
      }
    }
  }

  @Override
  public boolean hidesPoolLabels() {
    return true;
  }

  @Override
  public TargetTransform fit(Map<String, Dataset<Row>> caches) {
    return new MukaTargets(
        new MukaTargets.RowMath(
            teachers,
            union.size(),
            settings.variant,
            settings.uncertainty.equals(MC),
            settings.selection.equals("soft"),
            settings.selectionTemperature,
            settings.reweight,
            settings.epsilon,
            settings.kdTemperature));
  }

  @Override
  public List<String> studentOutputs(List<String> classes) {
    if (!settings.variant.equals(CONCAT_KD)) {
      return classes;
    }
    List<String> out = new ArrayList<>();
    for (MukaTeachers.Teacher t : teachers) {
      for (String label : t.labels()) {
        out.add(t.name() + ":" + label);
      }
    }
    return out;
  }

  @Override
  public Readout readout(List<String> classes) {
    if (!settings.variant.equals(CONCAT_KD)) {
      return Readout.identity(classes);
    }
    List<Integer> map = new ArrayList<>();
    for (MukaTeachers.Teacher t : teachers) {
      for (int c : t.block()) {
        map.add(c);
      }
    }
    return new Readout(classes, map.stream().mapToInt(Integer::intValue).toArray());
  }

  @Override
  public StudentLoss loss(SortedMap<String, String> targetSettings, DistillConfig.StudentSettings student) {
    String variant = targetSettings.get("muka.variant");
    if (variant == null) {
      throw new IllegalStateException("the targets' manifest records no muka.variant: rebuild the targets stage (with --overwrite)");
    }
    return switch (variant) {
      case CONCAT_KD -> new KdLoss(0.0, Double.parseDouble(targetSettings.get("muka.kdTemperature")));
      case UHC -> new UhcLoss(teachers.stream().map(MukaTeachers.Teacher::block).toArray(int[][]::new));
      default -> new KdLoss(0.0, 1.0);
    };
  }
}
