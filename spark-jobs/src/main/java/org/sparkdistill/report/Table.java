package org.sparkdistill.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A table of the report: a caption, a header and rows of already formatted cells. The first column
 * is a name (left-aligned); the others are numbers (right-aligned).
 */
public record Table(String caption, List<String> header, List<List<String>> rows) {
  public Table {
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).size() != header.size()) {
        throw new IllegalArgumentException(
            "table '" + caption + "': row " + i + " has " + rows.get(i).size() + " cells, the header " + header.size());
      }
    }
  }

  /** A builder that adds rows one at a time. */
  public static Builder builder(String caption, String... header) {
    return new Builder(caption, List.of(header));
  }

  /** Collects rows for a {@link Table}. */
  public static final class Builder {
    private final String caption;
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    private Builder(String caption, List<String> header) {
      this.caption = caption;
      this.header = header;
    }

    public Builder row(String... cells) {
      rows.add(List.of(cells));
      return this;
    }

    public Table build() {
      return new Table(caption, header, List.copyOf(rows));
    }
  }
}
