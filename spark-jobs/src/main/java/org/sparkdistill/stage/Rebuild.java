package org.sparkdistill.stage;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --rebuild STAGE}: the stage and every stage downstream of it recompute even when their
 * settings are unchanged (a damaged output that {@code verify} found, or a doubt). A rebuilt
 * upstream output keeps its fingerprint, so downstream stages would otherwise skip; hence the
 * closure over the stages' data edges, each stage declared with the stages it reads. {@link
 * #DEFAULT} declares the text chain ({@link #ORDER}); a command with other stages adds them with
 * {@link #with} (the knowledge-graph commands, and the {@code pmd} command its configuration's
 * grades), so its stages are named like any other.
 */
public final class Rebuild {
  /** The text chain's stages in dependency order, each reading the one before. */
  public static final List<String> ORDER =
      List.of(
          PrepareStage.NAME, EncodeStage.NAME, TrainTeacherStage.NAME, ScoreStage.NAME, TargetsStage.NAME, TrainStudentStage.NAME,
          PredictStage.NAME, EvaluateStage.NAME, ReportStage.NAME);

  /** The text chain: what the text commands run (the knowledge-graph commands add their own, {@code PmdComparison.knowledgeGraph}). */
  public static final Rebuild DEFAULT = new Rebuild(Map.of()).chain(ORDER);

  /** stage → the stages it reads, in declaration order (every stage named is a key). */
  private final Map<String, Set<String>> upstreams;

  private Rebuild(Map<String, Set<String>> upstreams) {
    this.upstreams = upstreams;
  }

  /** These declarations and {@code stage}, which reads {@code reads} (declared too when new). */
  public Rebuild with(String stage, Collection<String> reads) {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    upstreams.forEach((k, v) -> out.put(k, new LinkedHashSet<>(v)));
    for (String upstream : reads) {
      out.putIfAbsent(upstream, new LinkedHashSet<>());
    }
    out.computeIfAbsent(stage, k -> new LinkedHashSet<>()).addAll(reads);
    return new Rebuild(out);
  }

  private Rebuild chain(List<String> order) {
    Rebuild out = with(order.get(0), List.of());
    for (int i = 1; i < order.size(); i++) {
      out = out.with(order.get(i), List.of(order.get(i - 1)));
    }
    return out;
  }

  /** Every declared stage, in declaration order. */
  public Set<String> stages() {
    return upstreams.keySet();
  }

  /**
   * The stage names to recompute for {@code --rebuild stage}: it and every stage that reads it,
   * transitively; empty for null.
   *
   * @throws IllegalArgumentException naming the declared stages when {@code stage} is none of them
   */
  public Set<String> closure(String stage) {
    if (stage == null || stage.isBlank()) {
      return Set.of();
    }
    if (!upstreams.containsKey(stage)) {
      throw new IllegalArgumentException("--rebuild must name a stage of this command's chain " + stages() + ", got: " + stage);
    }
    Set<String> out = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(stage));
    while (!todo.isEmpty()) {
      String s = todo.pop();
      if (out.add(s)) {
        upstreams.forEach((reader, reads) -> {
          if (reads.contains(s)) {
            todo.add(reader);
          }
        });
      }
    }
    return Set.copyOf(out);
  }

  /** {@link #DEFAULT}'s closure of {@code stage}. */
  public static Set<String> from(String stage) {
    return DEFAULT.closure(stage);
  }
}
