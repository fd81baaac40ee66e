package org.sparkdistill.kg;

import java.util.List;

/**
 * One synset of a WordNet data file ({@code data.noun}, {@code data.verb}, {@code data.adj},
 * {@code data.adv}), as {@link WordNetParser} reads it.
 *
 * @param id the entity id: the part-of-speech letter ({@code n}, {@code v}, {@code a}, {@code r};
 *     adjective satellites {@code s} count as {@code a}, since both live in {@code data.adj}) and
 *     the 8-digit byte offset, e.g. {@code n02084071} (offsets repeat across files, so the letter
 *     is part of the id)
 * @param lemmas the synset's words, underscores as spaces, adjective markers such as {@code (a)}
 *     removed
 * @param gloss the definition and examples after {@code |}
 * @param pointers the pointers to other synsets (semantic and lexical alike)
 */
public record WordNetSynset(String id, List<String> lemmas, String gloss, List<Pointer> pointers) {
  /**
   * One pointer.
   *
   * @param symbol WordNet's pointer symbol ({@code @}, {@code ~}, {@code %m}, {@code +}, ...)
   * @param target the id of the synset pointed to
   * @param lexical true when source/target name words ({@code source/target} not {@code 0000}):
   *     a relation between two words of the synsets, counted here as one between the synsets
   */
  public record Pointer(String symbol, String target, boolean lexical) {}
}
