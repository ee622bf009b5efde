package io.ragstream.embedding;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The number of physical cores. Matrix kernels gain nothing from a core's second hyper-thread (both share one vector
 * unit) and lose to the extra synchronisation, so ONNX Runtime's intra-op pool is sized by physical cores.
 */
final class CpuCores {
  private CpuCores() {}

  /** Physical cores from Linux's sysfs topology, else the JVM's available processors. */
  static int physical() {
    int logical = Runtime.getRuntime().availableProcessors();
    Path cpus = Path.of("/sys/devices/system/cpu");
    if (!Files.isDirectory(cpus)) {
      return logical;
    }
    Set<String> cores = new HashSet<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(cpus, "cpu[0-9]*")) {
      for (Path cpu : dirs) {
        Path siblings = cpu.resolve("topology/thread_siblings_list");
        if (Files.isReadable(siblings)) {
          cores.add(Files.readString(siblings).trim());
        }
      }
    } catch (IOException e) {
      return logical; // sysfs unreadable (a sandbox): the logical count is a safe upper bound
    }
    // a container may be limited to fewer CPUs than the host has cores
    return cores.isEmpty() ? logical : Math.max(1, Math.min(cores.size(), logical));
  }
}
