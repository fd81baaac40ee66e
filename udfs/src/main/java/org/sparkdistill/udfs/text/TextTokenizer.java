package org.sparkdistill.udfs.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A Hugging Face {@code tokenizer.json} loaded through DJL's native tokenizers, with maximum
 * length and truncation taken from {@link TokenizerSettings} rather than from the file. Pads each
 * batch to its longest row, not to the maximum length, so short texts cost less.
 *
 * <p>Holds a native handle: close it. Safe to share between threads of one JVM.
 */
public final class TextTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final TokenizerSettings settings;
  private final Path file;

  private TextTokenizer(HuggingFaceTokenizer tokenizer, TokenizerSettings settings, Path file) {
    this.tokenizer = tokenizer;
    this.settings = settings;
    this.file = file;
  }

  /**
   * Loads {@code tokenizerJson}.
   *
   * @throws IllegalArgumentException naming the file when it is missing or not a valid tokenizer
   */
  public static TextTokenizer load(Path tokenizerJson, TokenizerSettings settings) {
    return load(tokenizerJson, settings, false);
  }

  /**
   * Loads {@code tokenizerJson} for whole texts (chunked encoding): the tokenizer's own model
   * limit (512 for BERT-style files, which would silently cap {@code settings.maxLength()}) is
   * lifted to {@code settings.maxLength()}; the encoder never sees these sequences unchunked.
   */
  public static TextTokenizer loadForWholeTexts(Path tokenizerJson, TokenizerSettings settings) {
    return load(tokenizerJson, settings, true);
  }

  private static TextTokenizer load(Path tokenizerJson, TokenizerSettings settings, boolean liftModelLimit) {
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new IllegalArgumentException("tokenizer file does not exist: " + tokenizerJson);
    }
    try {
      HuggingFaceTokenizer.Builder builder =
          HuggingFaceTokenizer.builder()
              .optTokenizerPath(tokenizerJson)
              .optMaxLength(settings.maxLength())
              .optTruncation(settings.truncation())
              .optPadding(true)
              .optWithOverflowingTokens(false)
              .optAddSpecialTokens(true);
      if (liftModelLimit) {
        builder.configure(java.util.Map.of("modelMaxLength", Integer.toString(settings.maxLength())));
      }
      HuggingFaceTokenizer tokenizer = builder.build();
      return new TextTokenizer(tokenizer, settings, tokenizerJson);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "tokenizer file is not a valid Hugging Face tokenizer.json: "
              + tokenizerJson
              + " ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  public TokenizerSettings settings() {
    return settings;
  }

  /**
   * Tokenizes a batch. {@code ids} name the rows in errors.
   *
   * @throws IllegalArgumentException when truncation is off and a text is longer than the maximum
   */
  public TokenizedBatch tokenize(List<String> texts, List<String> ids) {
    Encoding[] encodings = tokenizer.batchEncode(texts);
    int batch = encodings.length;
    long[][] inputIds = new long[batch][];
    long[][] mask = new long[batch][];
    long[][] typeIds = new long[batch][];
    int[] numTokens = new int[batch];
    boolean[] truncated = new boolean[batch];
    for (int i = 0; i < batch; i++) {
      Encoding e = encodings[i];
      inputIds[i] = e.getIds();
      mask[i] = e.getAttentionMask();
      typeIds[i] = e.getTypeIds();
      int real = 0;
      for (long m : mask[i]) {
        real += (int) m;
      }
      numTokens[i] = real;
      truncated[i] = e.exceedMaxLength();
      if (!settings.truncation() && (truncated[i] || real > settings.maxLength())) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "text of row id=%s is longer than tokenizer maxLength=%d and truncation is off",
                ids.get(i),
                settings.maxLength()));
      }
    }
    return new TokenizedBatch(inputIds, mask, typeIds, numTokens, truncated);
  }

  public Path file() {
    return file;
  }

  /**
   * The id of a special token of the vocabulary (e.g. {@code [MASK]}).
   *
   * @throws IllegalArgumentException naming the token and the file when it is not exactly one token
   */
  public long tokenId(String token) {
    long[] ids = tokenizer.encode(token, false, false).getIds();
    if (ids.length != 1) {
      throw new IllegalArgumentException("the tokenizer " + file + " encodes " + token + " as " + ids.length + " tokens, expected one special token: use a BERT-style tokenizer.json with " + token + " in its vocabulary");
    }
    return ids[0];
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
