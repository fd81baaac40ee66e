package org.sparkdistill.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's plots, drawn with XChart into PNG bytes (AWT in headless mode: no display needed).
 * One visual style for every figure: white background, light grid, the same colours for the same
 * model everywhere (teacher grey-blue, KD student blue, labels-only student orange).
 */
public final class Charts {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  public static final Color TEACHER = new Color(0x5B, 0x6B, 0x7F);
  public static final Color KD = new Color(0x2F, 0x6F, 0xDE);
  public static final Color LABELS = new Color(0xE8, 0x8A, 0x1A);
  public static final Color GOOD = new Color(0x2E, 0x9E, 0x6B);
  private static final Color GRID = new Color(0xE6, 0xE9, 0xED);
  private static final Color INK = new Color(0x1F, 0x29, 0x33);
  private static final String FONT = Font.SANS_SERIF;
  public static final int WIDTH = 720;
  public static final int HEIGHT = 430;

  private Charts() {}

  /** One line of a line chart: y (and an optional ± spread) at each x. */
  public record Line(String name, Color color, double[] x, double[] y, double[] spread, boolean dashed) {}

  /** Lines over a numeric x axis, with error bars where {@code spread} is given. */
  public static byte[] lines(String title, String xTitle, String yTitle, List<Line> lines, Double yMin, Double yMax) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setErrorBarsColorSeriesColor(true);
    chart.getStyler().setMarkerSize(8);
    if (yMin != null) {
      chart.getStyler().setYAxisMin(yMin);
    }
    if (yMax != null) {
      chart.getStyler().setYAxisMax(yMax);
    }
    for (Line l : lines) {
      XYSeries s =
          l.spread() == null
              ? chart.addSeries(l.name(), l.x(), l.y())
              : chart.addSeries(l.name(), l.x(), l.y(), l.spread());
      s.setLineColor(l.color());
      s.setMarkerColor(l.color());
      s.setLineWidth(2.2f);
      if (l.dashed()) {
        s.setLineStyle(SeriesLines.DASH_DASH);
        s.setMarker(SeriesMarkers.NONE);
      } else {
        s.setMarker(SeriesMarkers.CIRCLE);
      }
    }
    return png(chart);
  }

  /**
   * A reliability diagram: accuracy against mean confidence per confidence bin, for each curve in
   * {@code curves}, with the diagonal of perfect calibration.
   */
  public static byte[] reliability(String title, List<Line> curves) {
    List<Line> all = new ArrayList<>();
    all.add(new Line("perfect calibration", new Color(0xB0, 0xB8, 0xC2), new double[] {0, 1}, new double[] {0, 1}, null, true));
    all.addAll(curves);
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("confidence (mean of the bin)").yAxisTitle("accuracy of the bin").build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0);
    chart.getStyler().setXAxisDecimalPattern("0.0").setYAxisDecimalPattern("0.0");
    chart.getStyler().setMarkerSize(8);
    for (Line l : all) {
      XYSeries s = chart.addSeries(l.name(), l.x(), l.y());
      s.setLineColor(l.color());
      s.setMarkerColor(l.color());
      s.setLineWidth(l.dashed() ? 1.5f : 2.2f);
      if (l.dashed()) {
        s.setLineStyle(SeriesLines.DASH_DASH);
        s.setMarker(SeriesMarkers.NONE);
      } else {
        s.setMarker(SeriesMarkers.CIRCLE);
      }
    }
    return png(chart);
  }

  /** One bar series of a bar chart. */
  public record Bars(String name, Color color, List<Double> values) {}

  /** Grouped vertical bars over named categories. */
  public static byte[] bars(String title, String xTitle, String yTitle, List<String> categories, List<Bars> series, boolean legend, double labelRotation) {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    style(chart.getStyler());
    chart.getStyler().setLegendVisible(legend);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setAvailableSpaceFill(0.8);
    chart.getStyler().setXAxisLabelRotation((int) labelRotation);
    chart.getStyler().setXAxisLabelAlignmentVertical(AxesChartStyler.TextAlignment.Right);
    for (Bars b : series) {
      chart.addSeries(b.name(), categories, b.values()).setFillColor(b.color());
    }
    return png(chart);
  }

  /**
   * A histogram from precomputed bins: {@code counts[i]} rows in [edges[i], edges[i+1]).
   */
  public static byte[] histogram(String title, String xTitle, double[] edges, long[] counts, Color color) {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle("rows").build();
    style(chart.getStyler());
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setAvailableSpaceFill(0.96);
    chart.getStyler().setXAxisLabelRotation(45);
    chart.getStyler().setXAxisLabelAlignmentVertical(AxesChartStyler.TextAlignment.Right);
    List<String> x = new ArrayList<>();
    List<Long> y = new ArrayList<>();
    double width = edges[edges.length - 1] - edges[0];
    String pattern = width <= 0.2 ? "%.3f" : "%.2f";
    for (int i = 0; i < counts.length; i++) {
      x.add(String.format(java.util.Locale.ROOT, pattern, (edges[i] + edges[i + 1]) / 2));
      y.add(counts[i]);
    }
    chart.addSeries(title, x, y).setFillColor(color);
    return png(chart);
  }

  /** A heat map of a square matrix (rows: true class, columns: predicted class), with the counts written in. */
  public static byte[] confusion(String title, List<String> labels, List<List<Long>> matrix) {
    int c = labels.size();
    int size = Math.max(560, Math.min(900, 200 + 34 * c));
    HeatMapChart chart = new HeatMapChartBuilder().width(size + 120).height(size).title(title).xAxisTitle("predicted class").yAxisTitle("true class").build();
    style(chart.getStyler());
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setShowValue(true);
    chart.getStyler().setValueFont(new Font(FONT, Font.PLAIN, c > 14 ? 9 : 11));
    chart.getStyler().setValueFontColor(INK);
    chart.getStyler().setRangeColors(new Color[] {new Color(0xFF, 0xFF, 0xFF), new Color(0xC9, 0xDB, 0xF7), KD});
    chart.getStyler().setXAxisLabelRotation(60);
    chart.getStyler().setXAxisLabelAlignmentVertical(AxesChartStyler.TextAlignment.Right);
    chart.getStyler().setPlotGridLinesVisible(false);
    chart.getStyler().setAxisTickLabelsFont(new Font(FONT, Font.PLAIN, c > 14 ? 10 : 12));
    chart.getStyler().setHeatMapDecimalValueFormatter(v -> v == 0 ? "" : String.valueOf(Math.round(v)));
    List<String> x = new ArrayList<>(labels);
    List<String> y = new ArrayList<>(labels);
    java.util.Collections.reverse(y); // first class on top
    List<Number[]> heat = new ArrayList<>();
    for (int t = 0; t < c; t++) {
      for (int p = 0; p < c; p++) {
        long v = matrix.get(t).get(p);
        heat.add(new Number[] {p, c - 1 - t, v});
      }
    }
    chart.addSeries("confusion", x, y, heat);
    return png(chart);
  }

  private static void style(Styler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setChartFontColor(INK);
    s.setChartTitleFont(new Font(FONT, Font.BOLD, 15));
    s.setChartTitleBoxVisible(false);
    s.setLegendFont(new Font(FONT, Font.PLAIN, 12));
    s.setLegendBorderColor(Color.WHITE);
    s.setLegendBackgroundColor(new Color(255, 255, 255, 220));
    s.setAntiAlias(true);
    s.setChartPadding(12);
    if (s instanceof AxesChartStyler a) {
      a.setPlotBackgroundColor(Color.WHITE);
      a.setPlotBorderVisible(false);
      a.setPlotGridLinesColor(GRID);
      a.setPlotGridLinesStroke(new BasicStroke(1f));
      a.setAxisTitleFont(new Font(FONT, Font.PLAIN, 13));
      a.setAxisTickLabelsFont(new Font(FONT, Font.PLAIN, 12));
      a.setAxisTickMarksColor(GRID);
      a.setAxisTickLabelsColor(new Color(0x52, 0x60, 0x6D));
      a.setAxisTitlePadding(8);
      a.setPlotContentSize(0.92);
    }
  }

  private static byte[] png(Chart<?, ?> chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode the figure '" + chart.getTitle() + "' as PNG", e);
    }
  }
}
