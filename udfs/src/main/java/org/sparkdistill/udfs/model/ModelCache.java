package org.sparkdistill.udfs.model;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loaded models shared by the tasks of one JVM (an executor, or the driver in local mode), keyed
 * by what identifies a model: its file version (size and modification time, or a run id), the
 * device and any load-time setting, so a changed file is loaded again. Tasks of a stage, and later
 * stages in the same JVM, reuse a model instead of reloading it per task (what the DJL Spark
 * extension does).
 *
 * <p><b>Leases.</b> {@link #acquire} returns a {@link Lease}: the model stays open while any lease
 * on it is open. {@link #get} is the task-scoped form: inside a Spark task the lease is released
 * when the task completes ({@code TaskContext.addTaskCompletionListener}); outside a task (a
 * driver-side loop) the model is held until {@link #evictAll()} (or JVM exit, whose shutdown hook
 * calls it), as before.
 *
 * <p><b>Bound.</b> At most {@value #DEFAULT_MAX_MODELS} models per JVM by default, set with the
 * system property {@value #MAX_MODELS_PROPERTY} (e.g. {@code
 * spark.executor.extraJavaOptions=-Dspark.distill.modelCache.maxModels=2}). When a load would
 * exceed it, the least recently used models (by last acquire or release) leave the cache: an
 * unheld one is closed at once, a held one when its last lease is released. So a held model is
 * never closed under a running task, and memory holds at most the bound plus the models still in
 * use by tasks. Data-parallel rounds that broadcast new weights per round thus keep one or two
 * students per JVM, not one per round.
 *
 * <p><b>Loading.</b> Loads run outside any lock, one per key: concurrent callers of the same key
 * wait for the one load (a future per key); other keys load in parallel. A failed load is not
 * cached: every waiting caller gets its exception and the next caller tries again.
 *
 * <p>Use {@link #perThread} for models that are not safe to call from several task threads at once.
 */
public final class ModelCache {
  /** System property: the most models kept per JVM (an integer >= 1). */
  public static final String MAX_MODELS_PROPERTY = "spark.distill.modelCache.maxModels";

  public static final int DEFAULT_MAX_MODELS = 8;

  private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);
  private static final Object LOCK = new Object();
  /** Cached slots in access order (least recently used first). Guarded by LOCK. */
  private static final LinkedHashMap<String, Slot> SLOTS = new LinkedHashMap<>(16, 0.75f, true);
  /** Evicted slots still held by a lease, closed on their last release. Guarded by LOCK. */
  private static final Set<Slot> DRAINING = new LinkedHashSet<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ModelCache::evictAll, "model-cache-close"));
  }

  private ModelCache() {}

  /**
   * A lease on the model for {@code key}, loading it with {@code loader} on first use. Close the
   * lease when done (try-with-resources, or at task completion); the model must not be used after.
   *
   * @throws RuntimeException the loader's exception (an {@link Error} is rethrown as is); a checked
   *     one is wrapped in {@link ModelLoadException}
   */
  public static <T extends AutoCloseable> Lease<T> acquire(String key, Supplier<T> loader) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(loader, "loader");
    int max = maxModels(); // a bad property fails here, before any state changes
    Slot slot;
    boolean loadHere = false;
    synchronized (LOCK) {
      slot = SLOTS.get(key);
      if (slot == null) {
        slot = new Slot(key);
        SLOTS.put(key, slot);
        loadHere = true;
      }
      slot.holders++;
    }
    if (loadHere) {
      load(slot, loader);
    }
    AutoCloseable model;
    try {
      model = slot.model.join();
    } catch (CompletionException | java.util.concurrent.CancellationException e) {
      release(slot);
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new ModelLoadException("loading model " + key + " failed: " + cause, cause);
    }
    List<Slot> toClose;
    synchronized (LOCK) {
      SLOTS.get(key); // a touch: a long load must not leave the model just acquired least recently used
      toClose = evictOverflow(max);
    }
    closeAll(toClose);
    @SuppressWarnings("unchecked")
    T typed = (T) model;
    return new Lease<>(slot, typed);
  }

  private static void load(Slot slot, Supplier<? extends AutoCloseable> loader) {
    long start = System.nanoTime();
    try {
      AutoCloseable model = Objects.requireNonNull(loader.get(), () -> "the loader of model " + slot.key + " returned null");
      LOG.info("Loaded {} in {} ms", slot.key, (System.nanoTime() - start) / 1_000_000);
      slot.model.complete(model);
    } catch (Throwable t) {
      // Not cached: forget the slot before waking the waiters, so the next caller loads again.
      synchronized (LOCK) {
        SLOTS.remove(slot.key, slot);
      }
      LOG.warn("Loading {} failed after {} ms: {}", slot.key, (System.nanoTime() - start) / 1_000_000, t.toString());
      slot.model.completeExceptionally(t);
    }
  }

  /**
   * The model for {@code key}, held for the current Spark task: released when the task completes.
   * Outside a task it is held until {@link #evictAll()}. Prefer {@link #acquire} where the caller
   * knows when it is done.
   */
  public static <T extends AutoCloseable> T get(String key, Supplier<T> loader) {
    Lease<T> lease = acquire(key, loader);
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) context -> lease.close());
    }
    return lease.get();
  }

  /** A copy of the model for each calling thread (Spark reuses task threads, so this is bounded by cores). */
  public static <T extends AutoCloseable> T perThread(String key, Supplier<T> loader) {
    return get(perThreadKey(key), loader);
  }

  /** {@link #acquire} of the calling thread's own copy. */
  public static <T extends AutoCloseable> Lease<T> acquirePerThread(String key, Supplier<T> loader) {
    return acquire(perThreadKey(key), loader);
  }

  private static String perThreadKey(String key) {
    return key + "#thread-" + Thread.currentThread().getId();
  }

  /** Number of models in the cache (loaded or loading), not counting evicted ones still held. */
  public static int size() {
    synchronized (LOCK) {
      return SLOTS.size();
    }
  }

  /** Whether {@code key} is in the cache (loaded or loading). */
  public static boolean contains(String key) {
    synchronized (LOCK) {
      return SLOTS.containsKey(key);
    }
  }

  /** The bound in force: {@value #MAX_MODELS_PROPERTY}, else {@value #DEFAULT_MAX_MODELS}. */
  public static int maxModels() {
    String value = System.getProperty(MAX_MODELS_PROPERTY);
    if (value == null || value.isBlank()) {
      return DEFAULT_MAX_MODELS;
    }
    try {
      int max = Integer.parseInt(value.trim());
      if (max >= 1) {
        return max;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("system property " + MAX_MODELS_PROPERTY + " must be an integer >= 1, got: '" + value + "'");
  }

  private static int maxModelsOrDefault() {
    try {
      return maxModels();
    } catch (IllegalArgumentException e) {
      return DEFAULT_MAX_MODELS; // acquire() reports the bad property
    }
  }

  /**
   * Closes every unheld model and forgets every model; held ones are closed when their last lease
   * is released. At JVM exit (the shutdown hook) held models are closed too.
   */
  public static void evictAll() {
    evictAll(Thread.currentThread().getName().equals("model-cache-close"));
  }

  private static void evictAll(boolean closeHeld) {
    List<Slot> toClose = new ArrayList<>();
    synchronized (LOCK) {
      for (Slot slot : SLOTS.values()) {
        retire(slot, toClose);
      }
      SLOTS.clear();
      if (closeHeld) {
        toClose.addAll(DRAINING);
        DRAINING.clear();
      }
    }
    closeAll(toClose);
  }

  /** Removes least recently used slots beyond the bound; returns the unheld ones to close. LOCK held. */
  private static List<Slot> evictOverflow(int max) {
    List<Slot> toClose = new ArrayList<>();
    Iterator<Map.Entry<String, Slot>> lru = SLOTS.entrySet().iterator();
    while (SLOTS.size() > max && lru.hasNext()) {
      Slot slot = lru.next().getValue();
      if (!slot.model.isDone()) {
        continue; // still loading: its caller is about to use it
      }
      lru.remove();
      LOG.info("Evicting {} (more than {} models in this JVM; {} lease(s) open)", slot.key, max, slot.holders);
      retire(slot, toClose);
    }
    return toClose;
  }

  /** Marks an evicted slot: closed now when unheld, else when its last lease goes. LOCK held. */
  private static void retire(Slot slot, List<Slot> toClose) {
    slot.evicted = true;
    if (slot.holders == 0) {
      toClose.add(slot);
    } else {
      DRAINING.add(slot);
    }
  }

  private static void release(Slot slot) {
    boolean close;
    List<Slot> overflow;
    synchronized (LOCK) {
      slot.holders--;
      close = slot.evicted && slot.holders == 0 && DRAINING.remove(slot);
      if (!slot.evicted) {
        SLOTS.get(slot.key); // a release is a use: it moves the slot to the most recent end
      }
      overflow = evictOverflow(maxModelsOrDefault());
    }
    if (close) {
      overflow.add(slot);
    }
    closeAll(overflow);
  }

  private static void closeAll(List<Slot> slots) {
    for (Slot slot : slots) {
      AutoCloseable model = slot.model.getNow(null);
      if (model == null) {
        continue; // failed or never loaded: nothing to close
      }
      try {
        model.close();
        LOG.info("Closed {}", slot.key);
      } catch (Exception e) {
        LOG.warn("Failed to close model {}", slot.key, e);
      }
    }
  }

  /** One key's model: its load, its open leases and whether it left the cache. Guarded by LOCK. */
  private static final class Slot {
    final String key;
    final CompletableFuture<AutoCloseable> model = new CompletableFuture<>();
    int holders;
    boolean evicted;

    Slot(String key) {
      this.key = key;
    }
  }

  /**
   * One holder's claim on a cached model; {@link #close()} releases it (once; later calls do
   * nothing). Not thread-safe to close concurrently from several threads.
   */
  public static final class Lease<T extends AutoCloseable> implements AutoCloseable {
    private final Slot slot;
    private final T model;
    private volatile boolean released;

    private Lease(Slot slot, T model) {
      this.slot = slot;
      this.model = model;
    }

    /** The model; valid until this lease is closed. */
    public T get() {
      if (released) {
        throw new IllegalStateException("the lease on model " + slot.key + " was released");
      }
      return model;
    }

    /** The cache key. */
    public String key() {
      return slot.key;
    }

    @Override
    public synchronized void close() {
      if (!released) {
        released = true;
        release(slot);
      }
    }
  }
}
