package org.sparkdistill.report;

/**
 * A figure of the report: a PNG image (embedded in the page as a base64 data URI) with its
 * caption.
 *
 * @param id a stable identifier, unique in the page (used as the element id, e.g. "reliability-teacher")
 * @param caption what the figure shows
 * @param png the encoded image
 * @param wide shown across the whole width of its section (large figures such as a confusion matrix)
 */
public record Figure(String id, String caption, byte[] png, boolean wide) {
  public Figure(String id, String caption, byte[] png) {
    this(id, caption, png, false);
  }

  public Figure {
    if (png == null || png.length < 8 || png[1] != 'P' || png[2] != 'N' || png[3] != 'G') {
      throw new IllegalArgumentException("figure '" + id + "' is not a PNG image");
    }
  }
}
