package org.sparkdistill.udfs.student;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A saved student as bytes by file name ({@code student.json}, {@code student.params}): the form in
 * which it travels from any Hadoop filesystem to the driver and, broadcast, to executors.
 */
public final class StudentFiles {
  private StudentFiles() {}

  /** Writes {@code files} into a new local temporary directory (deleted on exit) and returns it. */
  public static Path materialise(Map<String, byte[]> files, String what) {
    try {
      Path dir = Files.createTempDirectory("spark-distill-student-");
      dir.toFile().deleteOnExit();
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Path target = dir.resolve(file.getKey());
        Files.write(target, file.getValue());
        target.toFile().deleteOnExit();
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + what + " to a local directory", e);
    }
  }

  /** Loads the student from its files. */
  public static StudentModel load(Map<String, byte[]> files, String what) {
    return StudentModel.load(materialise(files, what));
  }
}
