package org.sparkdistill.kg;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A seeded connected sample of a graph ({@code kg.sampleEntities}), so a small preset keeps
 * meaningful triples: start at a seeded entity drawn uniformly from those with a triple, then
 * repeatedly add a neighbour of the sample drawn with probability proportional to its edges into
 * the sample (a uniform draw among the edges leaving the sample; edges read in both directions),
 * which favours entities tied to the sample several times and so keeps more triples per entity
 * than a uniform draw (a tree-like sample leaves most entities in one triple, and the unseen
 * filter then moves nearly every valid and test triple back to train); the sample keeps the triples among its entities. When the
 * start's connected component runs out first, growth restarts at another seeded entity (the sample
 * is then a union of connected pieces; the count is reported). Deterministic for a given graph
 * and seed: adjacency is built in sorted order and every draw comes from one {@link Random}.
 *
 * <p>Cost: the driver holds the edge list (two ids per triple) and the adjacency; meant for
 * presets of up to some hundred thousand triples (WordNet: 220,000).
 */
public final class KgSample {
  /**
   * @param entities the sampled entity ids, sorted
   * @param pieces connected pieces the growth needed (1 unless a component ran out)
   */
  public record Result(Set<String> entities, int pieces) {}

  private KgSample() {}

  /** A sample of {@code size} entities over the undirected edges {@code edges} (head, tail pairs). */
  public static Result sample(List<String[]> edges, int size, long seed) {
    Map<String, TreeSet<String>> sorted = new TreeMap<>();
    for (String[] e : edges) {
      if (e[0].equals(e[1])) {
        continue;
      }
      sorted.computeIfAbsent(e[0], k -> new TreeSet<>()).add(e[1]);
      sorted.computeIfAbsent(e[1], k -> new TreeSet<>()).add(e[0]);
    }
    List<String> nodes = new ArrayList<>(sorted.keySet());
    if (size >= nodes.size()) {
      return new Result(new TreeSet<>(nodes), 1);
    }
    Map<String, List<String>> adjacency = new HashMap<>();
    sorted.forEach((k, v) -> adjacency.put(k, new ArrayList<>(v)));
    Random random = new Random(seed);
    Set<String> sample = new HashSet<>();
    // every edge from the sample to an entity outside it, as that entity (repeated once per edge)
    List<String> frontier = new ArrayList<>();
    int pieces = 0;
    while (sample.size() < size) {
      String next = null;
      while (next == null && !frontier.isEmpty()) {
        int i = random.nextInt(frontier.size());
        String candidate = frontier.get(i);
        frontier.set(i, frontier.get(frontier.size() - 1));
        frontier.remove(frontier.size() - 1);
        if (!sample.contains(candidate)) {
          next = candidate;
        }
      }
      if (next == null) {
        do {
          next = nodes.get(random.nextInt(nodes.size()));
        } while (sample.contains(next));
        pieces++;
      }
      sample.add(next);
      for (String n : adjacency.get(next)) {
        if (!sample.contains(n)) {
          frontier.add(n);
        }
      }
    }
    return new Result(new TreeSet<>(sample), pieces);
  }
}
