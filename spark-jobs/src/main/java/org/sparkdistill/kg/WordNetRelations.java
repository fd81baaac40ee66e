package org.sparkdistill.kg;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * WN18RR's 11 relations as WordNet pointer symbols. WN18 (Bordes et al. 2013) took 18 relation
 * types from WordNet's pointers, each of 7 inverse pairs in both directions; WN18RR (Dettmers et
 * al. 2018) dropped one type of each inverse pair, keeping the symmetric ones. WordNet stores both
 * directions of an inverse pair (a hypernym pointer {@code @} in the hyponym's line, a hyponym
 * pointer {@code ~} in the hypernym's), so keeping one symbol of each pair gives every pair once.
 * The exact mapping, triple (synset holding the pointer, relation, synset pointed to):
 *
 * <table>
 *   <caption>pointer symbol to relation</caption>
 *   <tr><th>symbol</th><th>relation</th><th>dropped inverse</th></tr>
 *   <tr><td>{@code @}</td><td>hypernym (nouns and verbs)</td><td>{@code ~} hyponym</td></tr>
 *   <tr><td>{@code @i}</td><td>instance_hypernym</td><td>{@code ~i} instance hyponym</td></tr>
 *   <tr><td>{@code %m}</td><td>member_meronym (group to member)</td><td>{@code #m} member holonym</td></tr>
 *   <tr><td>{@code %p}</td><td>has_part (part meronym: whole to part)</td><td>{@code #p} part holonym</td></tr>
 *   <tr><td>{@code ;c}</td><td>synset_domain_topic_of (synset to its topic)</td><td>{@code -c} member of domain topic</td></tr>
 *   <tr><td>{@code -r}</td><td>member_of_domain_region (region to member)</td><td>{@code ;r} domain of synset, region</td></tr>
 *   <tr><td>{@code -u}</td><td>member_of_domain_usage (usage to member)</td><td>{@code ;u} domain of synset, usage</td></tr>
 *   <tr><td>{@code +}</td><td>derivationally_related_form (symmetric; lexical)</td><td></td></tr>
 *   <tr><td>{@code ^}</td><td>also_see (symmetric)</td><td></td></tr>
 *   <tr><td>{@code $}</td><td>verb_group (symmetric)</td><td></td></tr>
 *   <tr><td>{@code &}</td><td>similar_to (symmetric)</td><td></td></tr>
 * </table>
 *
 * Every other symbol (antonym {@code !}, substance meronymy {@code %s}/{@code #s}, entailment
 * {@code *}, cause {@code >}, attribute {@code =}, participle {@code <}, pertainym {@code \},
 * ...) is not a WN18RR relation and is counted as dropped. Lexical pointers (between words of two
 * synsets) count as relations between the synsets, as WN18 did.
 */
public final class WordNetRelations {
  /** Pointer symbol to WN18RR relation name, in the order above. */
  public static final Map<String, String> BY_SYMBOL;

  static {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("@", "hypernym");
    m.put("@i", "instance_hypernym");
    m.put("%m", "member_meronym");
    m.put("%p", "has_part");
    m.put(";c", "synset_domain_topic_of");
    m.put("-r", "member_of_domain_region");
    m.put("-u", "member_of_domain_usage");
    m.put("+", "derivationally_related_form");
    m.put("^", "also_see");
    m.put("$", "verb_group");
    m.put("&", "similar_to");
    BY_SYMBOL = java.util.Collections.unmodifiableMap(m);
  }

  /** The symbols dropped as the inverse of a kept one. */
  public static final Set<String> INVERSES = Set.of("~", "~i", "#m", "#p", "-c", ";r", ";u");

  /** The 11 relation names. */
  public static final List<String> NAMES = List.copyOf(BY_SYMBOL.values());

  private WordNetRelations() {}

  /** The text a query reads for {@code relation}: underscores as spaces ({@code has part}). */
  public static String phrase(String relation) {
    return relation.replace('_', ' ').trim();
  }
}
