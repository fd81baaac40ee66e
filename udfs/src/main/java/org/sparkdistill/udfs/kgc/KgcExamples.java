package org.sparkdistill.udfs.kgc;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * (query, answer) pairs for the bi-encoder, one per direction of each triple: the query reads its
 * source entity and relation, the answer is an entity. {@code answers} holds, per query key, every
 * entity that answers the query in the training triples, so that an in-batch negative that is in
 * fact a right answer is masked rather than pushed away.
 *
 * @param queryKeys the key of each pair's query (same source, relation and direction: same key)
 * @param queryTexts what the query encoder reads
 * @param sources each query's source entity id
 * @param sourceTexts each source entity's text (the self-negative)
 * @param targets each pair's answer entity id
 * @param targetTexts each answer entity's text
 * @param answers query key → entity ids answering it in training
 */
public record KgcExamples(
    List<String> queryKeys, List<String> queryTexts, List<String> sources, List<String> sourceTexts, List<String> targets, List<String> targetTexts, Map<String, Set<String>> answers) {
  public KgcExamples {
    int n = queryKeys.size();
    if (queryTexts.size() != n || sources.size() != n || sourceTexts.size() != n || targets.size() != n || targetTexts.size() != n) {
      throw new IllegalArgumentException("every column of the bi-encoder examples needs " + n + " values");
    }
    Objects.requireNonNull(answers, "answers");
  }

  public int size() {
    return queryKeys.size();
  }

  /** Whether entity {@code entity} answers the query of pair {@code i} in training. */
  public boolean answers(int i, String entity) {
    Set<String> a = answers.get(queryKeys.get(i));
    return a != null && a.contains(entity);
  }

  /**
   * keep[i][j] for the pairs {@code rows}: 1 on the diagonal; 0 where the j-th answer is the same
   * entity as the i-th or answers the i-th query in training; else 1. Row-major, B·B values.
   */
  public float[] keep(int[] rows) {
    int b = rows.length;
    float[] keep = new float[b * b];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < b; j++) {
        String candidate = targets.get(rows[j]);
        boolean masked = i != j && (candidate.equals(targets.get(rows[i])) || answers(rows[i], candidate));
        keep[i * b + j] = masked ? 0f : 1f;
      }
    }
    return keep;
  }

  /** keepSource[i]: 0 when the i-th query's own source answers it (a self-loop), else 1. */
  public float[] keepSource(int[] rows) {
    float[] keep = new float[rows.length];
    for (int i = 0; i < rows.length; i++) {
      keep[i] = answers(rows[i], sources.get(rows[i])) ? 0f : 1f;
    }
    return keep;
  }
}
