package org.sparkdistill.stage;

import java.nio.file.Paths;
import org.sparkdistill.testing.SharedSpark;
import org.sparkdistill.testing.TestConfigs;

/** The second JVM of {@link TwoWritersTest}: runs {@code encode} on args[0] (a prepared work directory of args[1] Debian rows). */
public final class EncodeInAnotherJvm {
  private EncodeInAnotherJvm() {}

  public static void main(String[] args) {
    StageContext context = new StageContext(SharedSpark.session(), TestConfigs.debianSlice(Paths.get(args[0]), Integer.parseInt(args[1])), false);
    System.out.println("ENCODED " + new EncodeStage(context).run().summary());
    System.exit(0);
  }
}
