package org.sparkdistill.udfs.transformer;

import java.util.List;

/**
 * Texts with class indices, for fine-tuning and validation.
 *
 * @param ids row ids (named in errors)
 * @param texts the texts
 * @param labels class index of each text
 */
public record LabelledTexts(List<String> ids, List<String> texts, int[] labels) {
  public LabelledTexts {
    if (ids.size() != texts.size() || texts.size() != labels.length) {
      throw new IllegalArgumentException("ids, texts and labels differ in size: " + ids.size() + ", " + texts.size() + ", " + labels.length);
    }
  }

  public int size() {
    return labels.length;
  }
}
