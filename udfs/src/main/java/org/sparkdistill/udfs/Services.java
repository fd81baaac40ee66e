package org.sparkdistill.udfs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The project's plug-in lookup: {@link ServiceLoader} over the class loader of the service type and
 * the thread's context class loader (where Spark puts {@code --jars} and the user class path), in
 * that order, each implementation class once (by name, so a class both loaders see is not
 * repeated). Callers keep their own rule for two implementations that claim the same name.
 */
public final class Services {
  private Services() {}

  /** Every registered implementation of {@code type}. */
  public static <T> List<T> load(Class<T> type) {
    List<T> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (ClassLoader loader : new ClassLoader[] {type.getClassLoader(), Thread.currentThread().getContextClassLoader()}) {
      if (loader == null) {
        continue;
      }
      for (T service : ServiceLoader.load(type, loader)) {
        if (seen.add(service.getClass().getName())) {
          out.add(service);
        }
      }
    }
    return out;
  }
}
