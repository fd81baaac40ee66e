package org.sparkdistill.cli;

import java.util.List;
import org.sparkdistill.method.muka.MukaComparison;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import picocli.CommandLine.Command;

/** {@code muka}: the whole MUKA comparison (teachers on label subsets, every variant and baseline, {@code muka.seeds}). */
@Command(
    name = "muka",
    description =
        "Run the MUKA comparison: teachers on label subsets (muka.teachers), then per seed (muka.seeds) MUKA, MUKA hard, no_mc,"
            + " concatenated-logit KD, UHC and the upper-bound student; prints the table. Finished cells are skipped.")
final class MukaCommand extends StageCommand {
  @Override
  protected List<Stage> stages(StageContext context) {
    return List.of();
  }

  @Override
  protected void report(StageContext context, List<StageResult> results) {
    MukaComparison.Result result = new MukaComparison(context.spark(), context.config(), context.overwrite(), r -> System.out.println(r.summary())).run();
    System.out.println();
    System.out.println("## MUKA: one student over the union of the teachers' labels");
    System.out.println();
    System.out.print(MukaComparison.table(result));
  }
}
