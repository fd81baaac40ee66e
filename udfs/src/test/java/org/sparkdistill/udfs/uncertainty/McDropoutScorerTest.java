package org.sparkdistill.udfs.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.sparkdistill.udfs.model.LinearHead;

class McDropoutScorerTest {

  private static final int D = 32;
  private static final int C = 4;

  private static LinearHead head(double rate) {
    SplittableRandom random = new SplittableRandom(2024);
    float[][] w = new float[C][D];
    float[] b = new float[C];
    for (int c = 0; c < C; c++) {
      for (int j = 0; j < D; j++) {
        w[c][j] = (float) random.nextGaussian();
      }
      b[c] = (float) random.nextGaussian();
    }
    return new LinearHead(List.of("w", "x", "y", "z"), w, b, rate);
  }

  private static float[] features(int i) {
    SplittableRandom random = new SplittableRandom(i);
    float[] x = new float[D];
    for (int j = 0; j < D; j++) {
      x[j] = (float) (random.nextGaussian() * 0.5);
    }
    return x;
  }

  @Test
  void sameInputsGiveIdenticalResultsAcrossInstances() {
    McDropoutScorer.Result a = new McDropoutScorer(head(0.3), 20, 7L).score("r1", features(1));
    McDropoutScorer.Result b = new McDropoutScorer(head(0.3), 20, 7L).score("r1", features(1));
    assertThat(b.rawLogits()).containsExactly(a.rawLogits());
    assertThat(b.mcDropout()).isEqualTo(a.mcDropout());
    assertThat(b.deterministic()).isEqualTo(a.deterministic());
    assertThat(a.mcDropout().passes()).isEqualTo(20);
    assertThat(a.mcDropout().mutualInformation()).isPositive();
  }

  @Test
  void independentOfOrderAndThread() {
    McDropoutScorer scorer = new McDropoutScorer(head(0.5), 10, 99L);
    McDropoutStatistics[] sequential = new McDropoutStatistics[200];
    for (int i = 0; i < sequential.length; i++) {
      sequential[i] = scorer.score("id-" + i, features(i)).mcDropout();
    }
    McDropoutStatistics[] parallelReversed = new McDropoutStatistics[200];
    IntStream.range(0, 200)
        .map(i -> 199 - i)
        .parallel()
        .forEach(i -> parallelReversed[i] = scorer.score("id-" + i, features(i)).mcDropout());
    assertThat(parallelReversed).containsExactly(sequential);
  }

  @Test
  void passKUsesTheDocumentedMask() {
    LinearHead head = head(0.4);
    float[] x = features(5);
    long seed = 31L;
    int k = 6;
    McDropoutScorer.Result result = new McDropoutScorer(head, k, seed).score("row-5", x);
    assertCloseToDenseReference(result.mcDropout(), head, x, "row-5", k, seed, 1e-6);
    assertThat(result.rawLogits()).containsExactly(head.logits(x));
    assertThat(result.deterministic())
        .isEqualTo(McDropoutStatistics.ofSinglePass(Softmax.softmax(head.logits(x))));
  }

  @Test
  void matchesTheDenseMaskedProductAtTheCacheShape() {
    // MiniLM's 384 features, 20 classes, dropout 0.1, K = 16: what `score` runs.
    SplittableRandom random = new SplittableRandom(77);
    int d = 384;
    int c = 20;
    float[][] w = new float[c][d];
    float[] b = new float[c];
    for (int i = 0; i < c; i++) {
      for (int j = 0; j < d; j++) {
        w[i][j] = (float) (random.nextGaussian() * 0.3);
      }
      b[i] = (float) random.nextGaussian();
    }
    LinearHead head = new LinearHead(IntStream.range(0, c).mapToObj(i -> "c" + i).toList(), w, b, 0.1);
    McDropoutScorer scorer = new McDropoutScorer(head, 16, 2024L);
    for (int row = 0; row < 50; row++) {
      float[] x = new float[d];
      for (int j = 0; j < d; j++) {
        x[j] = (float) (random.nextGaussian() / Math.sqrt(d));
      }
      assertCloseToDenseReference(scorer.score("doc-" + row, x).mcDropout(), head, x, "doc-" + row, 16, 2024L, 1e-6);
    }
  }

  /**
   * The statistics of K passes whose logits are the dense product W·(x ⊙ mask) + b with the
   * documented masks ({@link LinearHead#logits(float[], float[])}, every input visited).
   */
  private static void assertCloseToDenseReference(McDropoutStatistics mc, LinearHead head, float[] x, String id, int k, long seed, double tolerance) {
    float[][] passes = new float[k][];
    for (int pass = 0; pass < k; pass++) {
      float[] mask = DropoutMask.mask(DropoutMask.rowKey(id), pass, seed, x.length, head.dropoutRate());
      passes[pass] = Softmax.softmax(head.logits(x, mask));
    }
    McDropoutStatistics reference = McDropoutStatistics.of(passes);
    assertThat(mc.passes()).isEqualTo(k);
    float[] mean = mc.meanProbabilities();
    float[] variance = mc.variance();
    for (int c = 0; c < mean.length; c++) {
      assertThat((double) mean[c]).isCloseTo(reference.meanProbabilities()[c], within(tolerance));
      assertThat((double) variance[c]).isCloseTo(reference.variance()[c], within(tolerance));
    }
    assertThat(mc.predictiveEntropy()).isCloseTo(reference.predictiveEntropy(), within(tolerance));
    assertThat(mc.mutualInformation()).isCloseTo(reference.mutualInformation(), within(tolerance));
  }

  @Test
  void idAndSeedChangeTheMasksButNotTheDeterministicPart() {
    McDropoutScorer scorer = new McDropoutScorer(head(0.5), 8, 1L);
    float[] x = features(3);
    McDropoutScorer.Result base = scorer.score("a", x);
    McDropoutScorer.Result otherId = scorer.score("b", x);
    McDropoutScorer.Result otherSeed = new McDropoutScorer(head(0.5), 8, 2L).score("a", x);

    assertThat(otherId.mcDropout()).isNotEqualTo(base.mcDropout());
    assertThat(otherSeed.mcDropout()).isNotEqualTo(base.mcDropout());
    assertThat(otherId.rawLogits()).containsExactly(base.rawLogits());
    assertThat(otherSeed.deterministic()).isEqualTo(base.deterministic());
  }

  @Test
  void rateZeroCollapsesToDeterministic() {
    McDropoutScorer.Result r = new McDropoutScorer(head(0.0), 12, 5L).score("r", features(9));
    McDropoutStatistics mc = r.mcDropout();
    assertThat(mc.passes()).isEqualTo(12);
    assertThat(mc.mutualInformation()).isZero();
    assertThat(mc.variance()).containsOnly(0f);
    assertThat(mc.meanProbabilities())
        .containsExactly(Softmax.softmax(r.rawLogits()))
        .containsExactly(r.deterministic().meanProbabilities());
    assertThat(mc.predictiveEntropy()).isEqualTo(r.deterministic().predictiveEntropy());
  }

  @Test
  void singlePassIsStillStochastic() {
    McDropoutScorer.Result r = new McDropoutScorer(head(0.5), 1, 5L).score("r", features(9));
    assertThat(r.mcDropout().passes()).isEqualTo(1);
    assertThat(r.mcDropout().mutualInformation()).isZero();
    assertThat(r.mcDropout().meanProbabilities())
        .isNotEqualTo(r.deterministic().meanProbabilities());
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new McDropoutScorer(head(0.1), 0, 0L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("passes must be >= 1, got: 0");
    McDropoutScorer scorer = new McDropoutScorer(head(0.1), 2, 0L);
    assertThatThrownBy(() -> scorer.score("a", new float[D + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("features must have length inputDim 32, got: 33");
  }
}
