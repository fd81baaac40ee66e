package org.sparkdistill.stage;

import java.nio.file.Paths;
import org.sparkdistill.testing.SharedSpark;

/**
 * The second JVM of {@link TwoWritersTest}: runs the stage args[0] on the work directory args[1]
 * (the test's Debian slice of args[2] rows, whose upstream stages the test has run).
 */
public final class StageInAnotherJvm {
  private StageInAnotherJvm() {}

  public static void main(String[] args) {
    StageContext context = new StageContext(SharedSpark.session(), TwoWritersTest.config(Paths.get(args[1]), Integer.parseInt(args[2])), false);
    System.out.println("RAN " + context.graph().stage(args[0]).run().summary());
    System.exit(0);
  }
}
