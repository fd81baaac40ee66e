package org.sparkdistill.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * An <em>assumed</em> fp32 peak of this machine's CPU cores, from {@code /proc/cpuinfo}: FLOPs per
 * cycle per core from the widest FMA the flags show (two FMA pipes per core: AVX-512 2 x 16 lanes x
 * 2 = 64; AVX2 + FMA 2 x 8 x 2 = 32; else SSE 2 x 4 x 2 = 16) times the reported clock ({@code cpu
 * MHz}, which under a hypervisor is the nominal clock; turbo can be higher) times the cores used.
 * Two FMA pipes hold for AMD Zen 2-4 and Intel server cores with two AVX-512 units; a single-unit
 * part has half. It is a yardstick for "how far from the machine", not a measurement.
 *
 * @param flopsPerCycle fp32 FLOPs per cycle per core assumed
 * @param ghz clock assumed
 * @param simd which flags the assumption came from
 */
public record CpuPeak(int flopsPerCycle, double ghz, String simd) {
  public static CpuPeak fromProcCpuinfo() {
    String flags = "";
    double mhz = 0;
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
      for (String line : lines) {
        if (flags.isEmpty() && line.startsWith("flags")) {
          flags = " " + line.substring(line.indexOf(':') + 1).trim() + " ";
        }
        if (mhz == 0 && line.startsWith("cpu MHz")) {
          mhz = Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return new CpuPeak(0, 0, "unknown (/proc/cpuinfo unreadable: " + e.getMessage() + ")");
    }
    if (flags.contains(" avx512f ")) {
      return new CpuPeak(64, mhz / 1000, "avx512f: 2 FMA x 16 fp32 lanes x 2");
    }
    if (flags.contains(" avx2 ") && flags.contains(" fma ")) {
      return new CpuPeak(32, mhz / 1000, "avx2+fma, no avx512f: 2 FMA x 8 fp32 lanes x 2");
    }
    return new CpuPeak(16, mhz / 1000, "sse: 2 x 4 fp32 lanes x 2");
  }

  /** Assumed peak GFLOP/s of {@code cores} cores. */
  public double gflops(int cores) {
    return flopsPerCycle * ghz * cores;
  }

  public String describe() {
    return String.format(Locale.ROOT, "%d FLOP/cycle/core (%s) x %.3f GHz (/proc/cpuinfo cpu MHz) = %.1f GFLOP/s per core (assumed)", flopsPerCycle, simd, ghz, gflops(1));
  }
}
