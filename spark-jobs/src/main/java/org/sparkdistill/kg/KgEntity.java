package org.sparkdistill.kg;

/**
 * One entity of the graph.
 *
 * @param id unique id ({@code n02084071} for a WordNet synset)
 * @param name what it is called (a synset's lemmas, comma-separated); may be empty
 * @param description the text the encoder reads after the name (a synset's gloss); never blank
 */
public record KgEntity(String id, String name, String description) {
  /** The encoder's text for the entity, SimKGC's "name: description" (the description alone without a name). */
  public static String text(String name, String description) {
    return name == null || name.isBlank() ? description : name + ": " + description;
  }
}
