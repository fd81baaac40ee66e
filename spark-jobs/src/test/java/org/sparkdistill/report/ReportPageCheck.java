package org.sparkdistill.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparkdistill.testing.Chromium;

/**
 * Opens a report page in headless Chromium and checks the rendered DOM: every expected figure is
 * there and its image decoded (the page's own script writes each image's naturalWidth into the
 * DOM after the load event), every expected table is there; keeps a screenshot.
 */
public final class ReportPageCheck {
  private ReportPageCheck() {}

  private static final Pattern FIGURE = Pattern.compile("<figure(?: class=\"wide\")? id=\"fig-([^\"]+)\"><img ([^>]*)>");

  /** The DOM after load; fails unless every figure id in {@code figures} loaded and {@code tables} tables rendered. */
  public static String check(Path page, List<String> figures, int tables, Path screenshot) throws Exception {
    Chromium chromium = Chromium.requireOrSkip();
    String dom = chromium.dumpDom(page);
    assertThat(dom).as("rendered DOM of " + page).contains("</html>");
    List<String> seen = new ArrayList<>();
    Matcher m = FIGURE.matcher(dom);
    while (m.find()) {
      seen.add(m.group(1));
      String attributes = m.group(2);
      assertThat(attributes).as("figure " + m.group(1) + " after load").contains("data-loaded=\"ok\"");
      Matcher width = Pattern.compile("data-natural-width=\"(\\d+)\"").matcher(attributes);
      assertThat(width.find()).as("figure " + m.group(1) + " has a natural width").isTrue();
      assertThat(Integer.parseInt(width.group(1))).as("natural width of figure " + m.group(1)).isGreaterThan(100);
    }
    assertThat(seen).as("figures in the rendered page").containsExactlyInAnyOrderElementsOf(figures);
    assertThat(dom).doesNotContain("data-loaded=\"failed\"");
    assertThat(dom).contains("data-ok=\"" + figures.size() + "\" data-total=\"" + figures.size() + "\"");
    int tableCount = dom.split("<table>", -1).length - 1;
    assertThat(tableCount).as("tables in the rendered page").isEqualTo(tables);
    chromium.screenshot(page, screenshot, 1400, 2600);
    return dom;
  }
}
