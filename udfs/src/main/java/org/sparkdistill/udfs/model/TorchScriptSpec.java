package org.sparkdistill.udfs.model;

import java.io.Serializable;
import java.util.Locale;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * A whole-model TorchScript teacher and its tokenizer, as loaded on executors.
 *
 * @param modelFile the scripted model, contract {@code forward(input_ids, attention_mask, mc) ->
 *     (logits, features)}
 * @param tokenizerFile its {@code tokenizer.json}
 * @param tokenizer maximum length and truncation, set explicitly
 * @param device where the model runs
 */
public record TorchScriptSpec(
    ModelFile modelFile, ModelFile tokenizerFile, TokenizerSettings tokenizer, DeviceSelector.Preference device)
    implements Serializable {

  /** Identifies a loaded model in {@link ModelCache}. */
  public String cacheKey(ai.djl.Device onDevice) {
    return String.format(Locale.ROOT, "torchscript:%s|%s", modelFile.cacheKey(), onDevice);
  }

  public String tokenizerCacheKey() {
    return String.format(Locale.ROOT, "tokenizer:%s|%s", tokenizerFile.cacheKey(), tokenizer);
  }
}
