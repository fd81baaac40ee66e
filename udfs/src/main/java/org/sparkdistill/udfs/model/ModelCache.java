package org.sparkdistill.udfs.model;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model per executor JVM and key. Tasks of a stage, and later stages in the same
 * executor, reuse the model instead of reloading it per task (what the DJL Spark extension does).
 * Keys should name the model file, its version (size and modification time), the device and any
 * load-time setting, so a changed file is loaded again.
 *
 * <p>Models stay loaded until the JVM exits (a shutdown hook closes them) or {@link #evictAll()}.
 * Use {@link #perThread} for models that are not safe to call from several task threads at once.
 */
public final class ModelCache {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);
  private static final Map<String, AutoCloseable> MODELS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ModelCache::evictAll, "model-cache-close"));
  }

  private ModelCache() {}

  /** The model for {@code key}, loaded on first use; concurrent callers wait for one load. */
  @SuppressWarnings("unchecked")
  public static <T extends AutoCloseable> T get(String key, Supplier<T> loader) {
    return (T)
        MODELS.computeIfAbsent(
            key,
            k -> {
              long start = System.nanoTime();
              T model = loader.get();
              LOG.info("Loaded {} in {} ms", k, (System.nanoTime() - start) / 1_000_000);
              return model;
            });
  }

  /** A copy of the model for each calling thread (Spark reuses task threads, so this is bounded by cores). */
  public static <T extends AutoCloseable> T perThread(String key, Supplier<T> loader) {
    return get(key + "#thread-" + Thread.currentThread().getId(), loader);
  }

  /** Number of models loaded in this JVM. */
  public static int size() {
    return MODELS.size();
  }

  /** Closes and forgets every cached model. */
  public static void evictAll() {
    for (String key : MODELS.keySet()) {
      AutoCloseable model = MODELS.remove(key);
      if (model != null) {
        try {
          model.close();
        } catch (Exception e) {
          LOG.warn("Failed to close model {}", key, e);
        }
      }
    }
  }
}
