package org.sparkdistill.udfs.transformer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Real Debian package descriptions from the committed dataset ({@code data/debian}), for tests. */
final class DebianTexts {
  static final Path FILE = Paths.get("../data/debian/debian-sections-20.jsonl.gz");

  /** One labelled text. */
  record Text(String id, String section, String text) {}

  private DebianTexts() {}

  /** Every {@code stride}-th row, at most {@code limit}, whose section is one of {@code sections} (all when empty). */
  static List<Text> sample(int stride, int limit, List<String> sections) {
    ObjectMapper json = new ObjectMapper();
    List<Text> out = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(FILE)), StandardCharsets.UTF_8))) {
      int seen = 0;
      for (String line = in.readLine(); line != null && out.size() < limit; line = in.readLine()) {
        JsonNode row = json.readTree(line);
        String section = row.get("section").asText();
        if (!sections.isEmpty() && !sections.contains(section)) {
          continue;
        }
        if (seen++ % stride == 0) {
          out.add(new Text(row.get("id").asText(), section, row.get("text").asText()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + FILE, e);
    }
    return out;
  }
}
