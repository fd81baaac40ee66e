package org.sparkdistill.method.pmd;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.udfs.transformer.LayerMap;

/**
 * The models PMD trains after the fine-tuned teacher, read from {@code pmd.grades.*}: the
 * progressive grades, each distilled from the one above (the first from the teacher), and for each
 * grade smaller than the teacher its baselines of the same architecture: trained alone, score-only
 * KD and feature KD without masking, both from the fine-tuned teacher. Names: a grade of k layers
 * is {@code <k>l} (stages {@code pmd-grade-<k>l}, {@code pmd-rank-<k>l}); its baselines {@code
 * <k>l-alone}, {@code <k>l-score-kd}, {@code <k>l-feature-kd}.
 */
public final class PmdGrades {
  /** The training signal of one model. */
  public enum Variant {
    /** PMD: contrastive, score and masked-feature losses from the grade above, masked inputs. */
    PMD("pmd"),
    /** The architecture trained alone on the contrastive loss (no teacher). */
    ALONE("alone"),
    /** Contrastive + score loss from the fine-tuned teacher, no mask. */
    SCORE_KD("score-kd"),
    /** Contrastive + feature loss on every token from the fine-tuned teacher, no mask. */
    FEATURE_KD("feature-kd");

    public final String id;

    Variant(String id) {
      this.id = id;
    }

    static Variant of(String id) {
      for (Variant v : values()) {
        if (v.id.equals(id) && v != PMD) {
          return v;
        }
      }
      throw new IllegalArgumentException("pmd.grades.baselines must list alone, score-kd or feature-kd, got: " + id);
    }
  }

  /**
   * One model to train.
   *
   * @param id its name ({@code 4l}, {@code 4l-alone})
   * @param map its layer map (of the pretrained encoder, or of the grade above with {@code fromAbove})
   * @param maskRate ρ of its inputs
   * @param variant its training signal
   * @param alpha weight of the score loss
   * @param beta weight of the feature loss
   * @param teacher the id of the model it learns from: a grade's id, {@link #TEACHER} or null (alone)
   * @param fromAbove its layers start from its teacher's (pmd.grades.init: previous), else the pretrained encoder's
   */
  public record Grade(String id, LayerMap map, double maskRate, Variant variant, double alpha, double beta, String teacher, boolean fromAbove) {
    public int layers() {
      return map.size();
    }
  }

  /** The fine-tuned teacher's id among the teachers of {@link Grade}. */
  public static final String TEACHER = "teacher";

  private PmdGrades() {}

  /**
   * The grades, in training order, then the baselines of every grade with fewer layers than the
   * encoder ({@code encoderLayers}); see the class docs. A baseline starts from the pretrained
   * layers its grade's layers descend from: the grade's map itself, or with {@code pmd.grades.init:
   * previous} the maps composed down the chain (a 2-layer map [1, 3] under a 4-layer [0, 2, 3, 5]
   * is [2, 5] of the encoder).
   */
  public static List<Grade> of(DistillConfig.PmdGradeSettings g, int encoderLayers) {
    List<String> errors = configErrors(g);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    boolean fromAbove = "previous".equals(g.init);
    List<Grade> grades = new ArrayList<>();
    List<LayerMap> pretrained = new ArrayList<>();
    String above = TEACHER;
    int[] lineage = null;
    for (int i = 0; i < g.layerMaps.size(); i++) {
      LayerMap map = LayerMap.of(g.layerMaps.get(i), key(i));
      int[] layers = map.layers();
      if (fromAbove && lineage != null) {
        map.check(lineage.length, "grade " + above + " (" + key(i) + " with pmd.grades.init: previous)");
        for (int j = 0; j < layers.length; j++) {
          layers[j] = lineage[layers[j]];
        }
      }
      map.check(encoderLayers, "encoder (" + key(i) + ")");
      lineage = layers;
      pretrained.add(new LayerMap(layers, key(i)));
      String id = map.size() + "l";
      grades.add(new Grade(id, map, g.maskRates.get(i), Variant.PMD, g.alpha, g.beta, above, fromAbove));
      above = id;
    }
    List<Grade> out = new ArrayList<>(grades);
    for (int i = 0; i < grades.size(); i++) {
      Grade grade = grades.get(i);
      if (grade.layers() >= encoderLayers) {
        continue; // a same-size grade: its baseline trained alone is the fine-tuned teacher itself
      }
      for (String b : g.baselines) {
        Variant v = Variant.of(b);
        double alpha = v == Variant.SCORE_KD ? g.alpha : 0;
        double beta = v == Variant.FEATURE_KD ? g.beta : 0;
        out.add(new Grade(grade.id() + "-" + v.id, pretrained.get(i), 0, v, alpha, beta, v == Variant.ALONE ? null : TEACHER, false));
      }
    }
    return out;
  }

  /** The grade with id {@code id}. */
  public static Grade byId(List<Grade> grades, String id) {
    return grades.stream().filter(g -> g.id().equals(id)).findFirst().orElseThrow(() -> new IllegalArgumentException("no PMD grade " + id + " among " + grades.stream().map(Grade::id).toList()));
  }

  /** What is wrong with {@code pmd.grades.*}, one line each (empty when nothing is). */
  public static List<String> configErrors(DistillConfig.PmdGradeSettings g) {
    List<String> errors = new ArrayList<>();
    if (g.layerMaps == null || g.layerMaps.isEmpty()) {
      errors.add("pmd.grades.layerMaps must list at least one grade's layer map, got: " + g.layerMaps);
      return errors;
    }
    if (g.maskRates == null || g.maskRates.size() != g.layerMaps.size()) {
      errors.add("pmd.grades.maskRates must give one rate per grade of pmd.grades.layerMaps (" + g.layerMaps.size() + "), got: " + g.maskRates);
    }
    if (!List.of("pretrained", "previous").contains(g.init)) {
      errors.add("pmd.grades.init must be pretrained or previous, got: " + g.init);
    }
    if (!(g.alpha + g.beta < 1)) {
      errors.add(String.format(Locale.ROOT, "pmd.grades.alpha + pmd.grades.beta must be < 1 (the contrastive loss keeps 1 - alpha - beta), got %s + %s", g.alpha, g.beta));
    }
    Set<Integer> sizes = new HashSet<>();
    for (int i = 0; i < g.layerMaps.size(); i++) {
      try {
        LayerMap map = LayerMap.of(g.layerMaps.get(i), key(i));
        if (!sizes.add(map.size())) {
          errors.add(key(i) + " " + map + " has " + map.size() + " layers like an earlier grade: each grade needs its own layer count (it names the grade)");
        }
      } catch (IllegalArgumentException e) {
        errors.add(e.getMessage());
      }
    }
    if (g.baselines != null) {
      for (String b : g.baselines) {
        try {
          Variant.of(b);
        } catch (IllegalArgumentException e) {
          errors.add(e.getMessage());
        }
      }
    }
    return errors;
  }

  private static String key(int i) {
    return "pmd.grades.layerMaps[" + i + "]";
  }
}
