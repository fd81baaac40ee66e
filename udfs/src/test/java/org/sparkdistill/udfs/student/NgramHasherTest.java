package org.sparkdistill.udfs.student;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class NgramHasherTest {

  private static StudentConfig config(int buckets, int maxNgram, int maxTokens, long seed) {
    return new StudentConfig(List.of("a", "b"), buckets, 4, 0, 0.0, maxNgram, maxTokens, seed);
  }

  private static int id(String ngram, StudentConfig c) {
    return new NgramHasher(c).ids(ngram)[0];
  }

  @Test
  void pinnedIdsForDefaults() {
    // Also reproduced by a 10-line Python port of StableHash (FNV-1a over UTF-8 + SplitMix64).
    NgramHasher h = new NgramHasher(StudentConfig.defaults(List.of("a", "b")));
    // unigrams the, cat, sat; then bigrams "the cat", "cat sat"
    assertThat(h.ids("The cat sat.")).containsExactly(26044, 22394, 51430, 17052, 37760);
    assertThat(new NgramHasher(config(1000, 1, 8, 42)).ids("Hello, World"))
        .containsExactly(778, 168);
    assertThat(StableHash.hash("cat", 17)).isEqualTo(0xf619392489785779L);
    assertThat(StableHash.hash("", 0)).isEqualTo(0xf52a15e9a9b5e89bL);
  }

  @Test
  void seedChangesIds() {
    int[] a = new NgramHasher(config(1 << 20, 2, 64, 1)).ids("alpha beta gamma");
    int[] b = new NgramHasher(config(1 << 20, 2, 64, 2)).ids("alpha beta gamma");
    assertThat(a).hasSize(5).isNotEqualTo(b);
  }

  @Test
  void lowercasesAndSplitsOnNonWordCharacters() {
    StudentConfig c = config(1 << 20, 2, 64, 7);
    NgramHasher h = new NgramHasher(c);
    assertThat(h.ids("CAT  sat!!")).containsExactly(h.ids("cat, sat"));
    assertThat(h.ids("don't")).containsExactly(id("don", c), id("t", c), h.ids("don t")[2]);
    assertThat(h.ids("route66 x")).startsWith(id("route66", c));
    // bigram id is the hash of "w1 w2"
    assertThat(h.ids("new york")[2]).isEqualTo(new NgramHasher(c).ids("new york")[2]);
  }

  @Test
  void unicodeWordsMarksAndNormalisation() {
    StudentConfig c = config(1 << 20, 1, 64, 7);
    NgramHasher h = new NgramHasher(c);
    assertThat(NgramHasher.words("Ünïcödé ΣΟΦΊΑ москва 東京 ١٢٣", 99))
        .containsExactly("ünïcödé", "σοφία", "москва", "東京", "١٢٣");
    // decomposed é (e + U+0301) equals precomposed é after NFC, and does not split the word
    assertThat(h.ids("cafe\u0301")).containsExactly(h.ids("caf\u00e9"));
    // Devanagari vowel signs (Mc/Mn) stay inside the word
    assertThat(NgramHasher.words("नमस्ते दुनिया", 99)).containsExactly("नमस्ते", "दुनिया");
    // emoji and punctuation separate words; supplementary-plane letters are kept
    assertThat(NgramHasher.words("a😀b 𝐀𝐁", 99)).containsExactly("a", "b", "𝐀𝐁");
  }

  @Test
  void emptyAndWordlessText() {
    NgramHasher h = new NgramHasher(StudentConfig.defaults(List.of("a", "b")));
    assertThat(h.ids("")).isEmpty();
    assertThat(h.ids("  ... !? ")).isEmpty();
    assertThat(h.ids("one")).hasSize(1);
    assertThatThrownBy(() -> h.ids(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void maxTokensCapsUnigramsFirstThenBigrams() {
    StudentConfig c = config(1 << 20, 2, 5, 3);
    NgramHasher h = new NgramHasher(c);
    StudentConfig wide = config(1 << 20, 2, 100, 3);
    int[] all = new NgramHasher(wide).ids("a b c d e f g");
    // 7 words > 5: first 5 unigrams, no bigrams
    assertThat(h.ids("a b c d e f g")).containsExactly(all[0], all[1], all[2], all[3], all[4]);
    // 3 words: 3 unigrams + 2 bigrams = 5
    int[] three = new NgramHasher(wide).ids("a b c");
    assertThat(h.ids("a b c")).containsExactly(three);
    // 4 words: 4 unigrams + the first bigram only
    int[] four = new NgramHasher(wide).ids("a b c d");
    assertThat(h.ids("a b c d")).containsExactly(four[0], four[1], four[2], four[3], four[4]);
    // unigrams only
    assertThat(new NgramHasher(config(1 << 20, 1, 100, 3)).ids("a b c")).hasSize(3);
  }

  @Test
  void idsStayInRangeAndRepeat() {
    NgramHasher h = new NgramHasher(config(3, 2, 1000, 11));
    int[] ids = h.ids("x y x y x y z w v u t s r q p o n m");
    assertThat(java.util.Arrays.stream(ids).boxed().toList()).allSatisfy(i -> assertThat(i).isBetween(1, 3));
    assertThat(ids[0]).isEqualTo(ids[2]);
    assertThat(h.maxId()).isEqualTo(3);
  }
}
