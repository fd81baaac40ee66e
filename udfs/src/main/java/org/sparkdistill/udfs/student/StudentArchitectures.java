package org.sparkdistill.udfs.student;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;

/** The registered student kinds ({@link StudentArchitecture.Factory} services). */
public final class StudentArchitectures {
  private StudentArchitectures() {}

  /** Every registered kind by name; loaded from the context class loader and this one. */
  public static Map<String, StudentArchitecture.Factory> factories() {
    Map<String, StudentArchitecture.Factory> out = new TreeMap<>();
    for (StudentArchitecture.Factory factory : org.sparkdistill.udfs.Services.load(StudentArchitecture.Factory.class)) {
      out.putIfAbsent(factory.kind(), factory);
    }
    return out;
  }

  /**
   * The architecture of {@code kind} from its JSON form.
   *
   * @throws IllegalArgumentException naming the unknown kind and the registered ones
   */
  public static StudentArchitecture fromJson(String kind, JsonNode config) {
    return factory(kind).fromJson(config);
  }

  /** The architecture of {@code kind} from its JSON form and the files of the student directory {@code dir}. */
  public static StudentArchitecture fromJson(String kind, JsonNode config, java.nio.file.Path dir) {
    return factory(kind).fromJson(config, dir);
  }

  /** A new architecture of {@code kind} from the run's student settings and output names. */
  public static StudentArchitecture fromSettings(String kind, JsonNode studentSettings, java.util.List<String> outputs) {
    return factory(kind).fromSettings(studentSettings, outputs);
  }

  /**
   * @throws IllegalArgumentException naming the unknown kind and the registered ones
   */
  public static StudentArchitecture.Factory factory(String kind) {
    StudentArchitecture.Factory factory = factories().get(kind);
    if (factory == null) {
      throw new IllegalArgumentException("student.architecture must be one of " + factories().keySet() + ", got: " + kind);
    }
    return factory;
  }
}
