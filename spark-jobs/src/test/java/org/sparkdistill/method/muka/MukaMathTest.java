package org.sparkdistill.method.muka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The target math on cases computed by hand (the numbers in the comments were worked out with a
 * calculator, not with this code).
 */
class MukaMathTest {
  // p1 = (0.8, 0.2): H = -(0.8 ln 0.8 + 0.2 ln 0.2) = 0.500402, u1 = 1 - H/ln 2 = 0.2780719
  private static final double[] P1 = {0.8, 0.2};
  private static final double[] P2 = {0.5, 0.5}; // u2 = 0
  private static final double U1 = 0.2780719051126377;
  private static final int[][] DISJOINT = {{0, 1}, {2, 3}};

  @Test
  void certaintyIsOneMinusNormalisedEntropy() {
    assertThat(MukaMath.certainty(P1)).isCloseTo(U1, within(1e-12));
    assertThat(MukaMath.certainty(P2)).isCloseTo(0.0, within(1e-12));
    assertThat(MukaMath.certainty(new double[] {1, 0, 0})).isCloseTo(1.0, within(1e-12));
    assertThat(MukaMath.certainty(new double[] {0.25, 0.25, 0.25, 0.25})).isCloseTo(0.0, within(1e-12));
  }

  @Test
  void hardSelectionPadsTheMostCertainTeacherIntoItsBlock() {
    double[] t = MukaMath.hard(new double[][] {P1, P2}, new double[] {U1, 0}, DISJOINT, 4);
    assertThat(t).containsExactly(new double[] {0.8, 0.2, 0, 0}, within(1e-12));
    // the second teacher when it is the more certain one
    double[] t2 = MukaMath.hard(new double[][] {P2, P1}, new double[] {0, U1}, DISJOINT, 4);
    assertThat(t2).containsExactly(new double[] {0, 0, 0.8, 0.2}, within(1e-12));
  }

  @Test
  void softSelectionWeighsPaddedTeachersBySoftmaxOfCertaintyOverTemperature() {
    // w = softmax((0.2780719, 0) / 0.2) = (0.8006496, 0.1993504)
    double[] t = MukaMath.soft(new double[][] {P1, P2}, new double[] {U1, 0}, DISJOINT, 4, 0.2);
    assertThat(t).containsExactly(new double[] {0.6405197065, 0.1601299266, 0.0996751834, 0.0996751834}, within(1e-9));
    assertThat(t[0] + t[1] + t[2] + t[3]).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void overlappingBlocksAddUpInTheSharedClass() {
    // union 3; t1 knows classes 0,1, t2 knows 1,2: class 1 gets 0.2 w1 + 0.5 w2
    double[] t = MukaMath.soft(new double[][] {P1, P2}, new double[] {U1, 0}, new int[][] {{0, 1}, {1, 2}}, 3, 0.2);
    assertThat(t).containsExactly(new double[] {0.6405197065, 0.2598051101, 0.0996751834}, within(1e-9));
  }

  @Test
  void marginIsTheGapBetweenTheTwoMostCertainPlusEpsilon() {
    assertThat(MukaMath.margin(new double[] {U1, 0}, 1e-6)).isCloseTo(U1 + 1e-6, within(1e-12));
    assertThat(MukaMath.margin(new double[] {0.3, 0.9, 0.5}, 1e-6)).isCloseTo(0.4 + 1e-6, within(1e-12));
    assertThat(MukaMath.margin(new double[] {0.7, 0.7}, 1e-6)).isCloseTo(1e-6, within(1e-15));
  }

  @Test
  void concatenatedLogitKdIsOneSoftmaxOverEveryTeacherOutputAtT() {
    // (2, 0, 1, 1) / 5 = (0.4, 0, 0.2, 0.2): exp sums 1.49182 + 1 + 1.22140 * 2
    double[] t = MukaMath.concatKd(new double[][] {{2, 0}, {1, 1}}, 5);
    assertThat(t).containsExactly(new double[] {0.3023174246, 0.2026494300, 0.2475165727, 0.2475165727}, within(1e-9));
  }

  @Test
  void uhcTargetsAreTheTeachersDistributionsSideBySide() {
    assertThat(MukaMath.uhc(new double[][] {P1, P2})).containsExactly(new double[] {0.8, 0.2, 0.5, 0.5}, within(0.0));
  }

  @Test
  void tiesSelectTheFirstTeacher() {
    assertThat(MukaMath.mostCertain(new double[] {0.5, 0.5})).isZero();
  }
}
