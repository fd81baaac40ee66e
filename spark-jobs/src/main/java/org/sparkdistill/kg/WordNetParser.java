package org.sparkdistill.kg;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads WordNet's database files ({@code data.noun}, {@code data.verb}, {@code data.adj}, {@code
 * data.adv}) in the format of {@code wndb(5)}, with no library: a data line is
 *
 * <pre>
 *   synset_offset lex_filenum ss_type w_cnt [word lex_id]... p_cnt [ptr_symbol offset pos source/target]... [frames] | gloss
 * </pre>
 *
 * where {@code w_cnt} is two hexadecimal digits, {@code lex_id} one, {@code p_cnt} three decimal
 * digits and {@code source/target} four hexadecimal digits (0000: between the synsets; otherwise
 * between word numbers of the two). Lines starting with two spaces are the licence header. A few
 * dozen lines of parsing instead of extjwnl, whose dictionary API (and its dependencies) this
 * needs none of; the same parser reads WordNet 3.0 (Debian {@code wordnet-base}) and 3.1.
 *
 * <p>Cost: one pass over the four files (about 22 MB for 3.1) on the driver, about 120,000 synsets
 * held in memory (tens of MB).
 */
public final class WordNetParser {
  /** The data files, in the order they are read. */
  public static final List<String> FILES = List.of("data.noun", "data.verb", "data.adj", "data.adv");

  private WordNetParser() {}

  /** Every synset of the four data files under {@code dir} (any Hadoop filesystem). */
  public static List<WordNetSynset> read(String dir, Configuration conf) {
    List<WordNetSynset> out = new ArrayList<>();
    for (String name : FILES) {
      Path file = new Path(dir, name);
      try {
        FileSystem fs = file.getFileSystem(conf);
        if (!fs.exists(file)) {
          throw new IllegalArgumentException(
              "kg.wordnetDir " + dir + " has no " + name + ": expected WordNet's data.noun, data.verb, data.adj and data.adv there"
                  + " (the build unpacks WordNet 3.1 into target/wordnet/wn31: run mvn -DskipTests compile)");
        }
        try (InputStream in = fs.open(file)) {
          read(in, file.toString(), out);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read WordNet file " + file, e);
      }
    }
    return out;
  }

  /** The synsets of one data file's content, appended to {@code out}. */
  static void read(InputStream in, String file, List<WordNetSynset> out) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line;
    int number = 0;
    while ((line = reader.readLine()) != null) {
      number++;
      if (line.startsWith("  ") || line.isBlank()) {
        continue;
      }
      try {
        out.add(parse(line));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(file + " line " + number + " is not a WordNet data line (" + e.getMessage() + "): "
            + (line.length() > 80 ? line.substring(0, 80) + "..." : line), e);
      }
    }
  }

  /** One data line. */
  static WordNetSynset parse(String line) {
    int bar = line.indexOf(" | ");
    String head = bar < 0 ? line : line.substring(0, bar);
    String gloss = bar < 0 ? "" : line.substring(bar + 3).trim();
    String[] f = head.trim().split(" +");
    int i = 0;
    String offset = f[i++];
    i++; // lex_filenum
    String pos = pos(f[i++]);
    int words = Integer.parseInt(f[i++], 16);
    List<String> lemmas = new ArrayList<>(words);
    for (int w = 0; w < words; w++) {
      lemmas.add(lemma(f[i++]));
      i++; // lex_id
    }
    int pointers = Integer.parseInt(f[i++]);
    List<WordNetSynset.Pointer> out = new ArrayList<>(pointers);
    for (int p = 0; p < pointers; p++) {
      String symbol = f[i++];
      String target = pos(f[i + 1]) + f[i];
      i += 2;
      boolean lexical = !f[i++].equals("0000");
      out.add(new WordNetSynset.Pointer(symbol, target, lexical));
    }
    if (offset.length() != 8) {
      throw new IllegalArgumentException("the synset offset must have 8 digits, got " + offset);
    }
    return new WordNetSynset(pos + offset, List.copyOf(lemmas), gloss, List.copyOf(out));
  }

  private static String pos(String ssType) {
    return switch (ssType) {
      case "n", "v", "a", "r" -> ssType;
      case "s" -> "a";
      default -> throw new IllegalArgumentException("unknown part of speech '" + ssType + "'");
    };
  }

  /** {@code ready_to_hand(p)} -> {@code ready to hand}. */
  static String lemma(String word) {
    String w = word;
    int paren = w.indexOf('(');
    if (paren > 0 && w.endsWith(")")) {
      w = w.substring(0, paren);
    }
    return w.replace('_', ' ');
  }
}
