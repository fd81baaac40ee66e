package org.sparkdistill.data;

import java.util.List;

/** The label set of the committed Debian snapshot ({@code data/debian/debian-sections-20.jsonl.gz}). */
public final class DebianSections {
  /**
   * The 20 topical archive sections of the snapshot, in alphabetical order (a class order for
   * {@code data.labels}; see {@code data/debian/NOTICE.md} for the counts).
   */
  public static final List<String> TOPICAL_20 =
      List.of(
          "admin", "comm", "database", "editors", "electronics", "fonts", "games", "graphics", "hamradio", "httpd",
          "mail", "math", "net", "science", "sound", "tex", "text", "vcs", "video", "web");

  private DebianSections() {}
}
