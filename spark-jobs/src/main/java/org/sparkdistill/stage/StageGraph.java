package org.sparkdistill.stage;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StagePlan;

/**
 * The stages of one configuration, built once, and the one way a stage reaches another's output:
 * {@link #input(String)} returns a handle on the finished output after checking that it was made
 * from exactly what the configuration says now. Plans are computed once per graph (so the raw
 * data is hashed once per run, not once per downstream stage); manifests are read fresh, since a
 * stage run in between publishes a new one. Stages never construct other stages.
 */
public final class StageGraph {
  /** The text chain's stages, then every {@link StageProvider}'s. */
  private static final Map<String, Function<StageContext, Stage>> STAGES = registered();

  private static Map<String, Function<StageContext, Stage>> registered() {
    Map<String, Function<StageContext, Stage>> out = new java.util.LinkedHashMap<>();
    Map<String, String> from = new HashMap<>();
    Map<String, Function<StageContext, Stage>> chain = new java.util.LinkedHashMap<>();
    chain.put(PrepareStage.NAME, PrepareStage::new);
    chain.put(EncodeStage.NAME, EncodeStage::new);
    chain.put(TrainTeacherStage.NAME, TrainTeacherStage::new);
    chain.put(ScoreStage.NAME, ScoreStage::new);
    chain.put(TargetsStage.NAME, TargetsStage::new);
    chain.put(TrainStudentStage.NAME, TrainStudentStage::new);
    chain.put(PredictStage.NAME, PredictStage::new);
    chain.put(EvaluateStage.NAME, EvaluateStage::new);
    add(out, from, "the text chain", chain);
    for (StageProvider provider : org.sparkdistill.udfs.Services.load(StageProvider.class)) {
      add(out, from, provider.getClass().getName(), provider.stages());
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  static void add(Map<String, Function<StageContext, Stage>> out, Map<String, String> from, String provider, Map<String, Function<StageContext, Stage>> stages) {
    stages.forEach((name, factory) -> {
      String earlier = from.putIfAbsent(name, provider);
      if (earlier != null) {
        throw new IllegalStateException("stage '" + name + "' is registered by both " + earlier + " and " + provider + ": a stage name must be unique");
      }
      out.put(name, factory);
    });
  }

  /** Stages whose output depends on {@code student.mode}; the others are shared by both students. */
  private static final java.util.Set<String> PER_STUDENT = java.util.Set.of(TrainStudentStage.NAME, PredictStage.NAME, EvaluateStage.NAME);

  private final StageContext context;
  private final StageGraph shared;
  private final Map<String, Stage> stages = new HashMap<>();
  private final Map<String, StagePlan> plans = new HashMap<>();
  private final Map<String, String> values;

  StageGraph(StageContext context) {
    this(context, null);
  }

  /**
   * A graph for another student mode of the same run: plans of the stages both students share and
   * derived values come from {@code shared}, so they are computed once per run.
   */
  StageGraph(StageContext context, StageGraph shared) {
    this.context = context;
    this.shared = shared;
    this.values = shared == null ? new HashMap<>() : shared.values;
  }

  /** The stage named {@code name} of this configuration. */
  public Stage stage(String name) {
    return stages.computeIfAbsent(
        name,
        n -> {
          Function<StageContext, Stage> factory = context.replacementOr(n, STAGES.get(n));
          if (factory == null) {
            throw new IllegalArgumentException("unknown stage '" + n + "': stages are " + new java.util.TreeSet<>(STAGES.keySet()));
          }
          Stage stage = factory.apply(context);
          if (!stage.name().equals(n)) {
            throw new IllegalArgumentException("the stage replacing '" + n + "' is named '" + stage.name() + "': a replacement keeps the name of the stage it replaces");
          }
          return stage;
        });
  }

  /** The plan of {@code name}, computed once. */
  public StagePlan plan(String name) {
    if (shared != null && !PER_STUDENT.contains(name)) {
      return shared.plan(name);
    }
    StagePlan plan = plans.get(name);
    if (plan == null) {
      plan = stage(name).plan();
      plans.put(name, plan);
    }
    return plan;
  }

  /** The plan of {@code stage}: memoised for this graph's stages, computed for any other. */
  StagePlan planOf(Stage stage) {
    return STAGES.containsKey(stage.name()) ? plan(stage.name()) : stage.plan();
  }

  /** A value derived from the configuration alone (e.g. a fingerprint of the raw data), computed once. */
  public String memo(String key, java.util.function.Supplier<String> compute) {
    String value = values.get(key);
    if (value == null) {
      value = compute.get();
      values.put(key, value);
    }
    return value;
  }

  /**
   * The finished output of {@code name}, required to match the current configuration, so a stage
   * never reads a cache from another encoder, head or setting.
   *
   * @throws IllegalStateException naming what differs and the stage to rerun
   */
  public StageInput input(String name) {
    return input(stage(name));
  }

  /**
   * The finished output of {@code upstream}, a stage of this graph or one built for a run's own
   * chain (e.g. a PMD grade, whose name the graph does not list), required to match its plan.
   *
   * @throws IllegalStateException naming what differs and the stage to rerun
   */
  public StageInput input(Stage upstream) {
    String name = upstream.name();
    Manifest manifest = upstream.output().requireFinished(name);
    StagePlan expected = planOf(upstream);
    if (!expected.fingerprint().equals(manifest.fingerprint())) {
      throw new IllegalStateException(
          "the "
              + name
              + " output at "
              + upstream.output().dir()
              + " does not match the configuration ("
              + String.join("; ", expected.differences(manifest))
              + "): rerun the "
              + name
              + " stage (with --overwrite) first");
    }
    return new StageInput(name, upstream.output(), manifest, context.spark());
  }
}
