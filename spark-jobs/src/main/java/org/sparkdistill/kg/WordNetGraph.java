package org.sparkdistill.kg;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The WN18RR-like graph of a WordNet release: entities are the synsets that take part in at least
 * one of the 11 relations ({@link WordNetRelations}), with their lemmas as the name and their gloss
 * as the description; triples are the pointers of those relations between synsets. Counts what
 * each rule removes ({@link #counts()}): pointers of dropped inverse types and of types outside
 * WN18RR, lexical pointers that repeat a synset pair already counted (duplicates), self-loops, and
 * synsets left without any triple.
 *
 * <p>Cost: driver memory for every synset and triple (about 120,000 and 220,000 for 3.1).
 */
public final class WordNetGraph {
  private final List<KgEntity> entities;
  private final List<KgTriple> triples;
  private final Map<String, Long> counts;

  private WordNetGraph(List<KgEntity> entities, List<KgTriple> triples, Map<String, Long> counts) {
    this.entities = entities;
    this.triples = triples;
    this.counts = counts;
  }

  /** The graph of {@code synsets} ({@link WordNetParser#read}). */
  public static WordNetGraph of(List<WordNetSynset> synsets) {
    Map<String, WordNetSynset> byId = new LinkedHashMap<>();
    for (WordNetSynset s : synsets) {
      if (byId.put(s.id(), s) != null) {
        throw new IllegalArgumentException("WordNet synset " + s.id() + " occurs twice in the data files");
      }
    }
    long pointers = 0;
    long inverse = 0;
    long other = 0;
    long duplicates = 0;
    long selfLoops = 0;
    Map<String, Long> perRelation = new TreeMap<>();
    Set<KgTriple> kept = new TreeSet<>();
    for (WordNetSynset s : synsets) {
      for (WordNetSynset.Pointer p : s.pointers()) {
        pointers++;
        String relation = WordNetRelations.BY_SYMBOL.get(p.symbol());
        if (relation == null) {
          if (WordNetRelations.INVERSES.contains(p.symbol())) {
            inverse++;
          } else {
            other++;
          }
          continue;
        }
        if (!byId.containsKey(p.target())) {
          throw new IllegalArgumentException("WordNet synset " + s.id() + " points (" + p.symbol() + ") to " + p.target() + ", which no data file holds");
        }
        if (p.target().equals(s.id())) {
          selfLoops++;
          continue;
        }
        if (kept.add(new KgTriple(s.id(), relation, p.target()))) {
          perRelation.merge(relation, 1L, Long::sum);
        } else {
          duplicates++;
        }
      }
    }
    Set<String> used = new TreeSet<>();
    for (KgTriple t : kept) {
      used.add(t.head());
      used.add(t.tail());
    }
    List<KgEntity> entities = new ArrayList<>(used.size());
    for (String id : used) {
      WordNetSynset s = byId.get(id);
      entities.add(new KgEntity(id, String.join(", ", s.lemmas()), s.gloss()));
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("synsets", (long) synsets.size());
    counts.put("pointers", pointers);
    counts.put("droppedInversePointers", inverse);
    counts.put("droppedOtherPointers", other);
    counts.put("duplicatePointers", duplicates);
    counts.put("selfLoops", selfLoops);
    counts.put("synsetsWithoutTriples", (long) synsets.size() - used.size());
    perRelation.forEach((r, n) -> counts.put("relation." + r, n));
    return new WordNetGraph(entities, new ArrayList<>(kept), counts);
  }

  /** Entities in id order. */
  public List<KgEntity> entities() {
    return entities;
  }

  /** Triples in (head, relation, tail) order, each once. */
  public List<KgTriple> triples() {
    return triples;
  }

  /** What each rule removed, and triples per relation ({@code relation.<name>}). */
  public Map<String, Long> counts() {
    return counts;
  }
}
