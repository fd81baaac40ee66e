package org.sparkdistill.kg;

/** One (head, relation, tail) fact, entity ids as in the entity table. */
public record KgTriple(String head, String relation, String tail) implements Comparable<KgTriple> {
  @Override
  public int compareTo(KgTriple o) {
    int c = head.compareTo(o.head);
    if (c == 0) {
      c = relation.compareTo(o.relation);
    }
    return c != 0 ? c : tail.compareTo(o.tail);
  }
}
