package org.sparkdistill.udfs.student;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * A text as the teacher's WordPiece token ids ({@code [CLS] ... [SEP]}, at most {@code maxLength},
 * longer texts cut): the features of the transformer student. Carries the Hugging Face {@code
 * tokenizer.json} itself (about 700 KB for all-MiniLM-L6-v2), so it is self-contained wherever it is
 * deserialised (executors, a loaded student); the native tokenizer is built once per JVM for each
 * (file sha256, maxLength) and shared by every thread and instance (DJL's tokenizer is thread-safe).
 *
 * <p>Cost: one native tokenizer call per text (microseconds for a 64-token text), plus the file's
 * bytes in every serialised copy (one per Spark task that featurizes).
 */
public final class WordPieceFeaturizer implements StudentFeaturizer {
  private static final long serialVersionUID = 1L;
  private static final Map<String, TextTokenizer> TOKENIZERS = new ConcurrentHashMap<>();
  private static final List<String> NO_ID = List.of("?");

  private final byte[] tokenizerJson;
  private final String sha256;
  private final int maxLength;

  /**
   * @param tokenizerJson the bytes of a Hugging Face {@code tokenizer.json}
   * @param maxLength at most this many tokens per text, special tokens included (≥ 2)
   */
  public WordPieceFeaturizer(byte[] tokenizerJson, int maxLength) {
    if (tokenizerJson == null || tokenizerJson.length == 0) {
      throw new IllegalArgumentException("the transformer student needs the bytes of a tokenizer.json, got none");
    }
    new TokenizerSettings(maxLength, true);
    this.tokenizerJson = tokenizerJson.clone();
    this.sha256 = sha256(tokenizerJson);
    this.maxLength = maxLength;
  }

  /** The sha256 of the tokenizer file (lower-case hex). */
  public String sha256() {
    return sha256;
  }

  public int maxLength() {
    return maxLength;
  }

  /** The tokenizer file's bytes (a copy). */
  public byte[] tokenizerJson() {
    return tokenizerJson.clone();
  }

  @Override
  public int[] featurize(String text) {
    TokenizedBatch batch = tokenizer().tokenize(List.of(text == null ? "" : text), NO_ID);
    long[] ids = batch.inputIds()[0];
    int n = batch.numTokens()[0];
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  private TextTokenizer tokenizer() {
    return TOKENIZERS.computeIfAbsent(sha256 + "/" + maxLength, key -> load());
  }

  private TextTokenizer load() {
    try {
      Path file = Files.createTempFile("spark-distill-student-tokenizer-" + sha256.substring(0, 12) + "-", ".json");
      file.toFile().deleteOnExit();
      Files.write(file, tokenizerJson);
      return TextTokenizer.load(file, new TokenizerSettings(maxLength, true));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the student's tokenizer to a local file", e);
    }
  }

  /** sha256 of {@code bytes}, lower-case hex. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WordPieceFeaturizer f && f.maxLength == maxLength && f.sha256.equals(sha256) && Arrays.equals(f.tokenizerJson, tokenizerJson);
  }

  @Override
  public int hashCode() {
    return sha256.hashCode() * 31 + maxLength;
  }

  @Override
  public String toString() {
    return "wordpiece(tokenizer sha256 " + sha256 + ", maxLength " + maxLength + ")";
  }
}
