package org.sparkdistill.report;

import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Renders report sections as one self-contained HTML page: styles inline, figures as base64 PNG
 * data URIs, no script or font from elsewhere, so the page opens from disk, from an object store
 * download or as a mail attachment. A small inline script marks every image {@code data-loaded="ok"}
 * or {@code "failed"} once the page has loaded (and sums it up in {@code #image-check}), which is
 * what the browser test reads.
 */
public final class HtmlReport {
  private HtmlReport() {}

  private static final String STYLE =
      """
      :root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --card:#ffffff; --accent:#2f6fde; }
      * { box-sizing: border-box; }
      body { margin:0; font:15px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color:var(--ink); background:var(--bg); }
      header { background:#1f2d3d; color:#fff; padding:28px 40px 22px; }
      header h1 { margin:0 0 6px; font-size:26px; font-weight:600; letter-spacing:.2px; }
      header p { margin:0; color:#c3cfdd; }
      .facts { display:flex; flex-wrap:wrap; gap:12px; margin-top:18px; }
      .fact { background:rgba(255,255,255,.08); border-radius:8px; padding:8px 14px; min-width:150px; }
      .fact b { display:block; font-size:20px; font-weight:600; color:#fff; }
      .fact span { font-size:12px; color:#c3cfdd; text-transform:uppercase; letter-spacing:.6px; }
      nav { padding:10px 40px; background:#fff; border-bottom:1px solid var(--line); position:sticky; top:0; z-index:1; }
      nav a { color:var(--accent); text-decoration:none; margin-right:18px; font-size:14px; white-space:nowrap; }
      main { padding:24px 40px 40px; max-width:1500px; }
      section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:20px 24px; margin-bottom:22px; box-shadow:0 1px 2px rgba(0,0,0,.04); }
      section h2 { margin:0 0 4px; font-size:19px; font-weight:600; }
      section .intro { margin:0 0 14px; color:var(--muted); max-width:980px; }
      .grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(440px, 1fr)); gap:18px 26px; align-items:start; }
      figure { margin:0; }
      figure.wide img { max-width:980px; }
      figure img { width:100%; max-width:720px; height:auto; border:1px solid var(--line); border-radius:6px; background:#fff; }
      figcaption { font-size:13px; color:var(--muted); margin-top:4px; }
      table { border-collapse:collapse; font-size:13.5px; width:100%; font-variant-numeric:tabular-nums; }
      caption { text-align:left; font-weight:600; padding:0 0 6px; color:var(--ink); }
      th, td { padding:5px 10px; border-bottom:1px solid var(--line); text-align:right; white-space:nowrap; }
      th { white-space:normal; vertical-align:bottom; }
      .wide { grid-column:1 / -1; }
      th:first-child, td:first-child { text-align:left; white-space:normal; }
      thead th { background:#f0f4f8; font-weight:600; color:#3e4c59; }
      tbody tr:hover { background:#fafbfc; }
      .tables { display:flex; flex-direction:column; gap:18px; overflow-x:auto; }
      footer { color:var(--muted); font-size:12px; padding:0 40px 30px; }
      #image-check { font-size:12px; color:var(--muted); }
      """;

  private static final String IMAGE_CHECK =
      """
      <script>
      window.addEventListener('load', function () {
        var imgs = document.querySelectorAll('figure img');
        var ok = 0;
        imgs.forEach(function (img) {
          var loaded = img.complete && img.naturalWidth > 0;
          img.setAttribute('data-loaded', loaded ? 'ok' : 'failed');
          img.setAttribute('data-natural-width', String(img.naturalWidth));
          if (loaded) { ok++; }
        });
        var check = document.getElementById('image-check');
        check.textContent = ok + ' of ' + imgs.length + ' figures loaded';
        check.setAttribute('data-ok', String(ok));
        check.setAttribute('data-total', String(imgs.length));
      });
      </script>
      """;

  /**
   * The page.
   *
   * @param title the page heading
   * @param subtitle one line under it (dataset, run)
   * @param facts headline figures shown in the header, label to value (insertion order kept)
   * @param sections the content, in order
   */
  public static String render(String title, String subtitle, Map<String, String> facts, List<ReportSection> sections) {
    StringBuilder out = new StringBuilder(1 << 16);
    out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.append("<title>").append(escape(title)).append("</title>\n<style>").append(STYLE).append("</style>\n</head>\n<body>\n");
    out.append("<header>\n<h1>").append(escape(title)).append("</h1>\n<p>").append(escape(subtitle)).append("</p>\n");
    if (!facts.isEmpty()) {
      out.append("<div class=\"facts\">\n");
      facts.forEach((k, v) -> out.append("<div class=\"fact\"><b>").append(escape(v)).append("</b><span>").append(escape(k)).append("</span></div>\n"));
      out.append("</div>\n");
    }
    out.append("</header>\n<nav>");
    for (int i = 0; i < sections.size(); i++) {
      out.append("<a href=\"#s").append(i).append("\">").append(escape(sections.get(i).title())).append("</a>");
    }
    out.append("</nav>\n<main>\n");
    for (int i = 0; i < sections.size(); i++) {
      ReportSection s = sections.get(i);
      out.append("<section id=\"s").append(i).append("\">\n<h2>").append(escape(s.title())).append("</h2>\n");
      if (!s.intro().isBlank()) {
        out.append("<p class=\"intro\">").append(escape(s.intro())).append("</p>\n");
      }
      out.append("<div class=\"grid\">\n");
      boolean tablesFirst = s.figures().size() > 2;
      if (tablesFirst) {
        tables(out, s, " wide");
      }
      for (Figure f : s.figures()) {
        out.append("<figure").append(f.wide() ? " class=\"wide\"" : "").append(" id=\"fig-").append(escape(f.id())).append("\"><img alt=\"").append(escape(f.caption()))
            .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(f.png())).append("\">")
            .append("<figcaption>").append(escape(f.caption())).append("</figcaption></figure>\n");
      }
      if (!tablesFirst) {
        tables(out, s, "");
      }
      out.append("</div>\n</section>\n");
    }
    out.append("</main>\n<footer>Written by spark-distill. Numbers from metrics.json and the stage manifests beside this page. <span id=\"image-check\">figures not checked</span></footer>\n");
    out.append(IMAGE_CHECK);
    out.append("</body>\n</html>\n");
    return out.toString();
  }

  private static void tables(StringBuilder out, ReportSection s, String extraClass) {
    if (s.tables().isEmpty()) {
      return;
    }
    out.append("<div class=\"tables").append(extraClass).append("\">\n");
    for (Table t : s.tables()) {
      table(out, t);
    }
    out.append("</div>\n");
  }

  private static void table(StringBuilder out, Table t) {
    out.append("<table>\n<caption>").append(escape(t.caption())).append("</caption>\n<thead><tr>");
    for (String h : t.header()) {
      out.append("<th>").append(escape(h)).append("</th>");
    }
    out.append("</tr></thead>\n<tbody>\n");
    for (List<String> row : t.rows()) {
      out.append("<tr>");
      for (String cell : row) {
        out.append("<td>").append(escape(cell)).append("</td>");
      }
      out.append("</tr>\n");
    }
    out.append("</tbody>\n</table>\n");
  }

  /** HTML-escapes text for element content and attribute values. */
  public static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
