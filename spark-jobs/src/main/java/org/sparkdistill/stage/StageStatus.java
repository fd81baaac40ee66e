package org.sparkdistill.stage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.sparkdistill.io.Manifest;

/**
 * {@code status}: the state of every stage of the configuration from the manifests alone (no
 * Spark job; the plans re-hash model files and read upstream manifests):
 *
 * <ul>
 *   <li>{@code done}: finished with this configuration; a run would skip it;
 *   <li>{@code stale}: finished from other inputs or settings, each change named; a run refuses
 *       it unless {@code --overwrite};
 *   <li>{@code missing}: not finished; a run computes it (or first the upstream stage named).
 * </ul>
 */
public final class StageStatus {
  private StageStatus() {}

  /** One stage's state. */
  public record Entry(String stage, String output, String state, String detail) {
    public String line() {
      return String.format(Locale.ROOT, "%-14s %-8s %s  (%s)", stage, state, detail, output);
    }
  }

  public static List<Entry> of(List<Stage> stages) {
    List<Entry> out = new ArrayList<>();
    for (Stage s : stages) {
      String dir = s.output().dir().toString();
      Optional<Manifest> m = s.output().manifest();
      String fingerprint;
      List<String> differences = List.of();
      String blocked = null;
      try {
        var plan = s.plan();
        fingerprint = plan.fingerprint();
        if (m.isPresent()) {
          differences = plan.differences(m.get());
        }
      } catch (RuntimeException e) {
        fingerprint = null;
        blocked = e.getMessage() == null ? e.toString() : e.getMessage().split("\\R", 2)[0];
      }
      if (m.isEmpty()) {
        out.add(new Entry(s.name(), dir, "missing", blocked == null ? "would run" : "would run after its inputs: " + blocked));
      } else if (fingerprint == null) {
        out.add(new Entry(s.name(), dir, "stale", "finished, but its inputs are not up to date: " + blocked));
      } else if (fingerprint.equals(m.get().fingerprint())) {
        out.add(new Entry(s.name(), dir, "done", "would skip (published " + m.get().createdAt() + ")"));
      } else {
        out.add(new Entry(s.name(), dir, "stale", String.join("; ", differences) + " (a run refuses it; --overwrite replaces it)"));
      }
    }
    return out;
  }
}
