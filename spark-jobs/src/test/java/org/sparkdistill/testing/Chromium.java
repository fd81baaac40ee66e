package org.sparkdistill.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Headless Chromium for tests that open a page from disk (Debian's {@code chromium}). Where no
 * browser is installed the calling test is skipped with a visible message, unless the environment
 * variable {@code SPARK_DISTILL_REQUIRE_BROWSER} is set (CI sets it after installing Chromium),
 * in which case the test fails.
 */
public final class Chromium {
  public static final String REQUIRE = "SPARK_DISTILL_REQUIRE_BROWSER";

  private final String binary;

  private Chromium(String binary) {
    this.binary = binary;
  }

  /** The browser, or the test is skipped (or failed under {@value #REQUIRE}). */
  public static Chromium requireOrSkip() {
    String found = null;
    List<String> candidates = new ArrayList<>();
    if (System.getenv("CHROMIUM") != null) {
      candidates.add(System.getenv("CHROMIUM"));
    }
    candidates.addAll(List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"));
    String path = System.getenv().getOrDefault("PATH", "");
    search:
    for (String c : candidates) {
      if (c.contains("/")) {
        if (new File(c).canExecute()) {
          found = c;
          break;
        }
        continue;
      }
      for (String dir : path.split(File.pathSeparator)) {
        File f = new File(dir, c);
        if (f.canExecute()) {
          found = f.getPath();
          break search;
        }
      }
    }
    if (found == null) {
      String message = "SKIPPED: no Chromium found (tried " + candidates + " on PATH); install Debian's 'chromium' to run the browser test of the HTML report";
      if (System.getenv(REQUIRE) != null) {
        throw new AssertionError(message.replace("SKIPPED", "FAILED") + " (" + REQUIRE + " is set, so the skip is not allowed)");
      }
      System.out.println(message);
      Assumptions.abort(message);
    }
    return new Chromium(found);
  }

  private List<String> base() {
    List<String> cmd = new ArrayList<>(List.of(binary, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--no-first-run", "--disable-extensions", "--allow-file-access-from-files"));
    return cmd;
  }

  /** The DOM after the page's load event, as Chromium serialises it. */
  public String dumpDom(Path page) throws IOException, InterruptedException {
    List<String> cmd = base();
    cmd.add("--virtual-time-budget=5000");
    cmd.add("--dump-dom");
    cmd.add(page.toUri().toString());
    return run(cmd, page.getParent().resolve("chromium-dom.log"));
  }

  /** A PNG screenshot of the page's first {@code height} pixels at {@code width}. */
  public void screenshot(Path page, Path png, int width, int height) throws IOException, InterruptedException {
    Files.createDirectories(png.getParent());
    List<String> cmd = base();
    cmd.add("--virtual-time-budget=5000");
    cmd.add("--window-size=" + width + "," + height);
    cmd.add("--screenshot=" + png.toAbsolutePath());
    cmd.add(page.toUri().toString());
    run(cmd, page.getParent().resolve("chromium-screenshot.log"));
    assertThat(png).exists();
  }

  private static String run(List<String> cmd, Path log) throws IOException, InterruptedException {
    Path home = Files.createTempDirectory("chromium-home");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
    pb.environment().put("HOME", home.toString());
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 120 s: " + cmd);
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("chromium exited " + p.exitValue() + ": " + Files.readString(log));
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
