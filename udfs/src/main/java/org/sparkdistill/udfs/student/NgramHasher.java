package org.sparkdistill.udfs.student;

import java.io.Serializable;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The student's own tokenisation: text → hashed word n-gram ids in [1, buckets] (0 is padding).
 *
 * <p>Steps: Unicode NFC normalisation, {@code toLowerCase(Locale.ROOT)}, then words are maximal
 * runs of code points that are letters or digits ({@link Character#isLetterOrDigit(int)});
 * combining marks (categories Mn, Mc, Me) inside a word stay part of it, so decomposed accents
 * and Indic vowel signs do not split words. Everything else separates words. Scripts written
 * without spaces (Chinese, Japanese, Thai) give one word per run.
 *
 * <p>Ids: each word w gives the unigram id of the string {@code w}; with {@code maxNgram = 2}
 * each adjacent pair gives the bigram id of {@code "w1 w2"} (one U+0020 between them; words
 * never contain a space, so bigram and unigram strings never coincide). The id of a string s is
 * {@code 1 + unsignedRemainder(StableHash(UTF-8(s), hashSeed), buckets)} (see {@link
 * StableHash}). The output holds the unigrams in text order, then the bigrams in text order,
 * and at most {@code maxTokens} ids: if the text has more than {@code maxTokens} words only the
 * first {@code maxTokens} unigrams are kept and no bigrams; otherwise bigrams fill the remaining
 * room. Repeated n-grams repeat their id (a bag, not a set). Empty or word-less text gives an
 * empty array.
 *
 * <p>Cost: linear in the text length, one small byte array per n-gram; stops reading after
 * {@code maxTokens} words. Immutable and thread-safe.
 */
public final class NgramHasher implements StudentFeaturizer {

  private static final long serialVersionUID = 1L;

  private final int buckets;
  private final int maxNgram;
  private final int maxTokens;
  private final long hashSeed;

  /** Takes buckets, maxNgram, maxTokens and hashSeed from {@code config}. */
  public NgramHasher(StudentConfig config) {
    Objects.requireNonNull(config, "config must not be null");
    this.buckets = config.buckets();
    this.maxNgram = config.maxNgram();
    this.maxTokens = config.maxTokens();
    this.hashSeed = config.hashSeed();
  }

  /**
   * The n-gram ids of {@code text}, each in [1, buckets], at most maxTokens of them.
   *
   * @throws NullPointerException if text is null
   */
  @Override
  public int[] featurize(String text) {
    return ids(text);
  }

  /** Same as {@link #featurize}. */
  public int[] ids(String text) {
    Objects.requireNonNull(text, "text must not be null");
    List<String> words = words(text, maxTokens);
    int unigrams = words.size();
    int bigrams = maxNgram >= 2 ? Math.max(0, Math.min(unigrams - 1, maxTokens - unigrams)) : 0;
    int[] out = new int[unigrams + bigrams];
    for (int i = 0; i < unigrams; i++) {
      out[i] = bucket(words.get(i));
    }
    for (int i = 0; i < bigrams; i++) {
      out[unigrams + i] = bucket(words.get(i) + ' ' + words.get(i + 1));
    }
    return out;
  }

  /** The first {@code limit} words of {@code text}: lowercase letter/digit runs, see above. */
  static List<String> words(String text, int limit) {
    String s = Normalizer.isNormalized(text, Normalizer.Form.NFC)
        ? text : Normalizer.normalize(text, Normalizer.Form.NFC);
    s = s.toLowerCase(Locale.ROOT);
    List<String> words = new ArrayList<>();
    int start = -1;
    int i = 0;
    int n = s.length();
    while (i < n && words.size() < limit) {
      int cp = s.codePointAt(i);
      boolean inWord = Character.isLetterOrDigit(cp) || (start >= 0 && isMark(cp));
      if (inWord && start < 0) {
        start = i;
      } else if (!inWord && start >= 0) {
        words.add(s.substring(start, i));
        start = -1;
      }
      i += Character.charCount(cp);
    }
    if (start >= 0 && words.size() < limit) {
      words.add(s.substring(start, i));
    }
    return words;
  }

  private static boolean isMark(int cp) {
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK
        || type == Character.COMBINING_SPACING_MARK
        || type == Character.ENCLOSING_MARK;
  }

  private int bucket(String ngram) {
    return 1 + (int) Long.remainderUnsigned(StableHash.hash(ngram, hashSeed), buckets);
  }

  /** Largest id this hasher emits (= buckets). */
  public int maxId() {
    return buckets;
  }
}
