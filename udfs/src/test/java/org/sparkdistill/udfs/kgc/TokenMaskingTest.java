package org.sparkdistill.udfs.kgc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.sparkdistill.udfs.text.TokenizedBatch;

/** Which tokens PMD masks: the count, the positions it may touch, and independence from the batch. */
class TokenMaskingTest {
  private static final long MASK = 103;

  /** Row 0: [CLS] + 10 word pieces + [SEP] (12 real tokens); row 1: [CLS] + 3 + [SEP], padded to 12. */
  private static TokenizedBatch batch() {
    long[][] ids = new long[2][12];
    long[][] att = new long[2][12];
    for (int i = 0; i < 12; i++) {
      ids[0][i] = 1000 + i;
      att[0][i] = 1;
    }
    for (int i = 0; i < 5; i++) {
      ids[1][i] = 2000 + i;
      att[1][i] = 1;
    }
    return new TokenizedBatch(ids, att, new long[2][12], new int[] {12, 5}, new boolean[2]);
  }

  @Test
  void masksFloorOfRateTimesTheWordPiecesAndNeverTheSpecialTokensOrPadding() {
    TokenMasking.Masked m = TokenMasking.mask(batch(), 0.2, MASK, 7, new long[] {0, 1});
    // row 0: floor(0.2 * 10) = 2; row 1: floor(0.2 * 3) = 0
    assertThat(count(m.positions()[0])).isEqualTo(2);
    assertThat(count(m.positions()[1])).isEqualTo(0);
    assertThat(m.masked()).isEqualTo(2);
    for (int r = 0; r < 2; r++) {
      int n = batch().numTokens()[r];
      for (int i = 0; i < 12; i++) {
        boolean masked = m.positions()[r][i] == 1f;
        assertThat(m.tokens().inputIds()[r][i]).isEqualTo(masked ? MASK : batch().inputIds()[r][i]);
        if (i == 0 || i >= n - 1) {
          assertThat(masked).as("row %d position %d", r, i).isFalse();
        }
      }
    }
    assertThat(m.tokens().attentionMask()).isEqualTo(batch().attentionMask());
  }

  @Test
  void aRowsMaskDependsOnItsKeyAndTheSeedOnly() {
    TokenizedBatch both = batch();
    TokenizedBatch alone = both.select(new int[] {0});
    float[] inBatch = TokenMasking.mask(both, 0.5, MASK, 7, new long[] {42, 43}).positions()[0];
    float[] byItself = TokenMasking.mask(alone, 0.5, MASK, 7, new long[] {42}).positions()[0];
    assertThat(byItself).isEqualTo(inBatch);
    boolean anyOther = false;
    for (long seed = 8; seed < 20 && !anyOther; seed++) {
      anyOther = !java.util.Arrays.equals(TokenMasking.mask(alone, 0.5, MASK, seed, new long[] {42}).positions()[0], byItself);
    }
    assertThat(anyOther).as("another seed draws other positions").isTrue();
  }

  @Test
  void allTokensIsTheAttentionMaskAndBadRatesAreRefused() {
    float[][] all = TokenMasking.allTokens(batch());
    assertThat(count(all[0])).isEqualTo(12);
    assertThat(count(all[1])).isEqualTo(5);
    assertThatThrownBy(() -> TokenMasking.mask(batch(), 1.0, MASK, 1, new long[] {0, 1})).hasMessageContaining("[0, 1), got 1.0");
    assertThatThrownBy(() -> TokenMasking.mask(batch(), 0.1, MASK, 1, new long[] {0})).hasMessageContaining("2 rows, 1 row keys");
  }

  private static int count(float[] positions) {
    int n = 0;
    for (float p : positions) {
      n += p == 1f ? 1 : 0;
    }
    return n;
  }
}
