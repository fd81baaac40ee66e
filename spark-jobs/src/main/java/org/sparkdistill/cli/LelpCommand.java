package org.sparkdistill.cli;

import java.util.List;
import org.sparkdistill.method.lelp.LelpComparison;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import picocli.CommandLine.Command;

/** {@code lelp}: the LELP comparison ({@link LelpComparison}); resumable, finished stages are skipped. */
@Command(
    name = "lelp",
    description =
        "Compare LELP with plain KD (alpha = 0 and the best alpha on validation) and labels-only students per label budget"
            + " (lelp.*), teacher beside; prints the tables and writes <workDir>/lelp/comparison.md. Resumable.")
final class LelpCommand extends StageCommand {
  @Override
  protected List<Stage> stages(StageContext context) {
    return List.of();
  }

  @Override
  protected void report(StageContext context, List<StageResult> results) {
    LelpComparison.Result result = new LelpComparison(context.spark(), context.config(), context.overwrite()).run();
    System.out.println();
    System.out.print(LelpComparison.tables(result, context.config().lelp.seeds));
  }
}
