package org.sparkdistill.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** Leases, bounded LRU eviction and one load per key (the cache is JVM-wide, so tests reset it). */
@Isolated
class ModelCacheTest {
  /** A model that records whether it was closed. */
  static final class Fake implements AutoCloseable {
    final String name;
    volatile int closes;

    Fake(String name) {
      this.name = name;
    }

    @Override
    public void close() {
      closes++;
    }
  }

  private final AtomicInteger loads = new AtomicInteger();

  private Supplier<Fake> loader(String name) {
    return () -> {
      loads.incrementAndGet();
      return new Fake(name);
    };
  }

  @BeforeEach
  void reset() {
    ModelCache.evictAll();
    System.clearProperty(ModelCache.MAX_MODELS_PROPERTY);
  }

  @AfterEach
  void clear() {
    reset();
  }

  @Test
  void concurrentCallersOfOneKeyWaitForOneLoad() throws Exception {
    int threads = 8;
    CountDownLatch started = new CountDownLatch(threads);
    Supplier<Fake> slow =
        () -> {
          loads.incrementAndGet();
          try {
            // The load stays in progress until every caller has started asking for the key.
            started.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return new Fake("shared");
        };
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<ModelCache.Lease<Fake>>> leases = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        leases.add(
            pool.submit(
                () -> {
                  started.countDown();
                  return ModelCache.acquire("shared", slow);
                }));
      }
      List<Fake> models = new ArrayList<>();
      for (Future<ModelCache.Lease<Fake>> f : leases) {
        models.add(f.get(60, TimeUnit.SECONDS).get());
      }
      assertThat(loads.get()).isEqualTo(1);
      assertThat(models).allSatisfy(m -> assertThat(m).isSameAs(models.get(0)));
      assertThat(ModelCache.size()).isEqualTo(1);
      for (Future<ModelCache.Lease<Fake>> f : leases) {
        f.get().close();
      }
      assertThat(models.get(0).closes).as("released, but still cached").isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aHeldModelIsClosedOnlyWhenItsLastLeaseIsReleased() {
    System.setProperty(ModelCache.MAX_MODELS_PROPERTY, "1");
    ModelCache.Lease<Fake> a1 = ModelCache.acquire("a", loader("a"));
    ModelCache.Lease<Fake> a2 = ModelCache.acquire("a", loader("a"));
    Fake a = a1.get();
    try (ModelCache.Lease<Fake> b = ModelCache.acquire("b", loader("b"))) {
      // b pushed a out of the cache, but two tasks still hold it.
      assertThat(ModelCache.contains("a")).isFalse();
      assertThat(ModelCache.contains("b")).isTrue();
      assertThat(a.closes).isZero();
      a1.close();
      a1.close(); // a second close of one lease releases nothing more
      assertThat(a.closes).isZero();
      a2.close();
      assertThat(a.closes).isEqualTo(1);
      assertThat(b.get().closes).isZero();
    }
    assertThat(loads.get()).isEqualTo(2);
    assertThatThrownBy(a1::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("was released");
  }

  @Test
  void aFailedLoadIsNotCachedAndTheNextCallerLoadsAgain() {
    AtomicInteger attempts = new AtomicInteger();
    Supplier<Fake> flaky =
        () -> {
          if (attempts.incrementAndGet() == 1) {
            throw new ModelLoadException("disk hiccup");
          }
          return new Fake("ok");
        };
    assertThatThrownBy(() -> ModelCache.acquire("m", flaky)).isInstanceOf(ModelLoadException.class).hasMessage("disk hiccup");
    assertThat(ModelCache.contains("m")).isFalse();
    try (ModelCache.Lease<Fake> lease = ModelCache.acquire("m", flaky)) {
      assertThat(lease.get().name).isEqualTo("ok");
    }
    assertThat(attempts.get()).isEqualTo(2);
    assertThatThrownBy(() -> ModelCache.acquire("n", () -> null)).hasMessageContaining("the loader of model n returned null");
    assertThat(ModelCache.contains("n")).isFalse();
  }

  @Test
  void evictionClosesTheLeastRecentlyUsedUnheldModel() {
    System.setProperty(ModelCache.MAX_MODELS_PROPERTY, "2");
    Fake a = use("a");
    Fake b = use("b");
    use("a"); // a is now more recent than b
    Fake c = use("c");
    assertThat(b.closes).as("least recently used").isEqualTo(1);
    assertThat(a.closes).isZero();
    assertThat(c.closes).isZero();
    assertThat(ModelCache.contains("a")).isTrue();
    assertThat(ModelCache.contains("b")).isFalse();
    assertThat(ModelCache.size()).isEqualTo(2);
    use("b"); // reloaded; a is now the least recently used
    assertThat(a.closes).isEqualTo(1);
    assertThat(c.closes).isZero();
    assertThat(loads.get()).isEqualTo(4);
  }

  @Test
  void theBoundComesFromASystemPropertyAndIsChecked() {
    assertThat(ModelCache.maxModels()).isEqualTo(ModelCache.DEFAULT_MAX_MODELS);
    System.setProperty(ModelCache.MAX_MODELS_PROPERTY, "0");
    assertThatThrownBy(() -> ModelCache.acquire("x", loader("x")))
        .hasMessage("system property spark.distill.modelCache.maxModels must be an integer >= 1, got: '0'");
    assertThat(loads.get()).isZero();
  }

  @Test
  void getOutsideATaskKeepsTheModelUntilEvictAll() {
    Fake m = ModelCache.get("g", loader("g"));
    assertThat(ModelCache.get("g", loader("g"))).isSameAs(m);
    assertThat(loads.get()).isEqualTo(1);
    ModelCache.evictAll();
    assertThat(ModelCache.size()).isZero();
    assertThat(m.closes).as("still held by its callers").isZero();
  }

  private Fake use(String key) {
    try (ModelCache.Lease<Fake> lease = ModelCache.acquire(key, loader(key))) {
      return lease.get();
    }
  }
}
