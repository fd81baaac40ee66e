package org.sparkdistill.udfs.text;

import java.io.Serializable;
import java.util.Locale;

/**
 * How texts are cut into model inputs. Both values are set explicitly by the pipeline and never
 * inherited from the {@code tokenizer.json} file (the MiniLM file silently truncates at 128).
 *
 * @param maxLength the longest token sequence a model sees, special tokens included
 * @param truncation whether longer texts are cut to {@code maxLength} (and counted); when false a
 *     longer text is an error naming its row
 */
public record TokenizerSettings(int maxLength, boolean truncation) implements Serializable {
  public TokenizerSettings {
    if (maxLength < 2 || maxLength > 8192) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "tokenizer maxLength must be in [2, 8192], got: %d", maxLength));
    }
  }
}
