package org.sparkdistill.stage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a read error inside a finished stage output (a checksum error, a truncated or corrupt
 * Parquet file, a missing part file) into a message that names the stage whose output is damaged
 * and the way out: {@code verify}, then {@code --rebuild <stage>}.
 */
public final class DamagedOutputs {
  private static final List<String> READ_ERRORS =
      List.of("checksum", "is not a parquet file", "can not read", "cannot read", "corrupt", "eofexception", "unexpected end",
          "file does not exist", "no such file", "filenotfound", "expected magic number", "could not read footer", "premature eof");

  private DamagedOutputs() {}

  /**
   * An {@link IllegalStateException} naming the damaged stage output, or {@code e} itself (wrapped
   * when it is a checked exception, such as Spark's).
   */
  public static RuntimeException explain(Exception e, StageContext context) {
    List<Stage> stages = new ArrayList<>(Chain.full(context));
    stages.add(new ReportStage(context));
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = String.valueOf(t.getMessage());
      String lower = (t.getClass().getSimpleName() + " " + message).toLowerCase(Locale.ROOT);
      if (READ_ERRORS.stream().noneMatch(lower::contains)) {
        continue;
      }
      for (Stage s : stages) {
        String dir = s.output().dir().toUri().getPath();
        if (message.contains(dir + "/run-")) {
          // No cause, so the CLI prints this line and not the cause's; --stacktrace still shows it (suppressed).
          IllegalStateException damaged =
              new IllegalStateException(
                  "the " + s.name() + " output at " + dir + " is damaged (" + oneLine(message) + "): run `verify` to list every damaged output, then rerun with --rebuild " + s.name());
          damaged.addSuppressed(e);
          return damaged;
        }
      }
    }
    return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
  }

  private static String oneLine(String message) {
    String first = message.split("\\R", 2)[0];
    return first.length() > 300 ? first.substring(0, 300) + "..." : first;
  }
}
