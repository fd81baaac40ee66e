package org.sparkdistill.kg;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Filtered ranking metrics over a set of queries: mean reciprocal rank and Hits@1/3/10 (the share
 * of queries whose true answer ranks at or above k), plus the queries with a tie at the answer's
 * score (so a degenerate scorer that ties everything is visible: the tie rule counts ties in the
 * answer's favour).
 */
public record RankingMetrics(long queries, double mrr, double hits1, double hits3, double hits10, long queriesWithTies) {
  /** The metrics of {@code ranks} (1-based) and per-query tie counts. */
  public static RankingMetrics of(long[] ranks, long[] ties) {
    double rr = 0;
    long h1 = 0;
    long h3 = 0;
    long h10 = 0;
    long tied = 0;
    for (int i = 0; i < ranks.length; i++) {
      long r = ranks[i];
      if (r < 1) {
        throw new IllegalArgumentException("a rank must be >= 1, got " + r + " at query " + i);
      }
      rr += 1.0 / r;
      h1 += r <= 1 ? 1 : 0;
      h3 += r <= 3 ? 1 : 0;
      h10 += r <= 10 ? 1 : 0;
      tied += ties[i] > 0 ? 1 : 0;
    }
    double n = Math.max(1, ranks.length);
    return new RankingMetrics(ranks.length, rr / n, h1 / n, h3 / n, h10 / n, tied);
  }

  /** The figures keyed {@code <prefix>.mrr}, ... for a manifest. */
  public Map<String, Object> toMap(String prefix) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(prefix + ".queries", queries);
    m.put(prefix + ".mrr", mrr);
    m.put(prefix + ".hits1", hits1);
    m.put(prefix + ".hits3", hits3);
    m.put(prefix + ".hits10", hits10);
    m.put(prefix + ".queriesWithTies", queriesWithTies);
    return m;
  }
}
