package org.sparkdistill.kg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The WordNet data-line parser and the WN18RR relation mapping, on hand-written lines. */
class WordNetGraphTest {
  // Hand-made lines in wndb(5) format (offsets are made up; they only need to point at each other).
  private static final String NOUNS =
      "  1 licence header line\n"
          + "00000001 03 n 02 dog 0 domestic_dog 0 004 @ 00000002 n 0000 ~ 00000003 n 0000 %p 00000004 n 0000 + 00000005 v 0101 | a domesticated canid; \"the dog barked\"  \n"
          + "00000002 03 n 01 canine 0 002 ~ 00000001 n 0000 ! 00000003 n 0101 | a carnivorous mammal  \n"
          + "00000003 03 n 01 puppy 0 002 @ 00000001 n 0000 @ 00000003 n 0000 | a young dog  \n"
          + "00000004 03 n 01 tail 0 001 #p 00000001 n 0000 | the rear appendage  \n";
  private static final String VERBS =
      "00000005 29 v 01 dog 0 003 + 00000001 n 0101 + 00000001 n 0102 $ 00000006 v 0000 01 + 02 00 | go after with the intent to catch  \n"
          + "00000006 29 v 01 hound(p) 0 001 $ 00000005 v 0000 | pursue relentlessly  \n";

  private static List<WordNetSynset> synsets() throws Exception {
    List<WordNetSynset> out = new ArrayList<>();
    WordNetParser.read(new ByteArrayInputStream(NOUNS.getBytes(StandardCharsets.UTF_8)), "data.noun", out);
    WordNetParser.read(new ByteArrayInputStream(VERBS.getBytes(StandardCharsets.UTF_8)), "data.verb", out);
    return out;
  }

  @Test
  void parsesWordsPointersFramesAndGloss() throws Exception {
    List<WordNetSynset> s = synsets();
    assertThat(s).hasSize(6);
    WordNetSynset dog = s.get(0);
    assertThat(dog.id()).isEqualTo("n00000001");
    assertThat(dog.lemmas()).containsExactly("dog", "domestic dog");
    assertThat(dog.gloss()).isEqualTo("a domesticated canid; \"the dog barked\"");
    assertThat(dog.pointers()).extracting(WordNetSynset.Pointer::symbol).containsExactly("@", "~", "%p", "+");
    assertThat(dog.pointers().get(3)).isEqualTo(new WordNetSynset.Pointer("+", "v00000005", true));
    // a verb line with a frame list after the pointers, and an adjective-style marker on a word
    assertThat(s.get(4).id()).isEqualTo("v00000005");
    assertThat(s.get(4).gloss()).isEqualTo("go after with the intent to catch");
    assertThat(s.get(5).lemmas()).containsExactly("hound");
  }

  @Test
  void keepsWn18rrRelationsDropsInversesAndCountsWhatItRemoves() throws Exception {
    WordNetGraph g = WordNetGraph.of(synsets());
    // Expected by hand: @ n1->n2, %p n1->n4, + n1->v5 (and v5->n1 twice: one duplicate), $ v5->v6, $ v6->v5, @ n3->n1;
    // dropped: ~ twice and #p (inverses), ! (not WN18RR); @ n3->n3 is a self-loop.
    assertThat(g.triples())
        .containsExactly(
            new KgTriple("n00000001", "derivationally_related_form", "v00000005"),
            new KgTriple("n00000001", "has_part", "n00000004"),
            new KgTriple("n00000001", "hypernym", "n00000002"),
            new KgTriple("n00000003", "hypernym", "n00000001"),
            new KgTriple("v00000005", "derivationally_related_form", "n00000001"),
            new KgTriple("v00000005", "verb_group", "v00000006"),
            new KgTriple("v00000006", "verb_group", "v00000005"));
    assertThat(g.counts())
        .containsEntry("synsets", 6L)
        .containsEntry("pointers", 13L)
        .containsEntry("droppedInversePointers", 3L)
        .containsEntry("droppedOtherPointers", 1L)
        .containsEntry("duplicatePointers", 1L)
        .containsEntry("selfLoops", 1L)
        .containsEntry("synsetsWithoutTriples", 0L)
        .containsEntry("relation.hypernym", 2L);
    assertThat(g.entities().get(0)).isEqualTo(new KgEntity("n00000001", "dog, domestic dog", "a domesticated canid; \"the dog barked\""));
    assertThat(WordNetRelations.NAMES).hasSize(11);
  }

  @Test
  void aBrokenLineNamesTheFileAndLine() {
    String bad = "00000001 03 q 01 dog 0 000 | gloss\n";
    assertThatThrownBy(() -> WordNetParser.read(new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)), "data.noun", new ArrayList<>()))
        .hasMessageContaining("data.noun line 1")
        .hasMessageContaining("unknown part of speech 'q'");
  }

  @Test
  void sampleIsConnectedSeededAndOfTheAskedSize() {
    // a path 0-1-2-...-29 plus a separate triangle 100-101-102
    List<String[]> edges = new ArrayList<>();
    for (int i = 0; i < 29; i++) {
      edges.add(new String[] {"e" + i, "e" + (i + 1)});
    }
    edges.add(new String[] {"e100", "e101"});
    edges.add(new String[] {"e101", "e102"});
    edges.add(new String[] {"e102", "e100"});
    KgSample.Result a = KgSample.sample(edges, 10, 7);
    KgSample.Result b = KgSample.sample(edges, 10, 7);
    assertThat(a.entities()).hasSize(10).isEqualTo(b.entities());
    if (a.pieces() == 1) {
      // connected on a path: the ids form one contiguous run, or the triangle plus nothing else is impossible at 10
      List<Integer> ids = a.entities().stream().map(s -> Integer.parseInt(s.substring(1))).sorted().toList();
      assertThat(ids.get(ids.size() - 1) - ids.get(0)).isEqualTo(9);
    }
    assertThat(KgSample.sample(edges, 33, 1).entities()).hasSize(33);
  }
}
