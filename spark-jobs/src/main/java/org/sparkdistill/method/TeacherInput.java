package org.sparkdistill.method;

import java.util.List;

/**
 * One teacher cache a method reads ({@code CacheSchemas.scores()} rows), with the label set its
 * logits follow. The targets stage checks it against the cache's manifest before any work.
 *
 * @param role the name the method knows the cache by (e.g. {@code teacher}, or one name per teacher)
 * @param output the stage output holding the cache: {@code score} for this run's teacher, or the
 *     key of another output ({@code outputs.<key>} or {@code <workDir>/<key>})
 * @param labels label names in the cache's logit order
 */
public record TeacherInput(String role, String output, List<String> labels) {
  public TeacherInput {
    labels = List.copyOf(labels);
  }
}
