package io.ragstream.launcher.cluster;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many processes of each stage a cluster runs: one each unless {@code --replicas embedder=2,query=2} says
 * otherwise. Validated on parsing: an unknown stage or a count below 1 is an error naming it.
 */
record Replicas(Map<String, Integer> counts) {
  /** Every stage, in start order: the status tracker first (it restores its view), the HTTP entry points last. */
  static final List<String> STAGES = List.of("status", "extract", "chunker", "embedder", "indexer", "query", "ingest");
  static final int MAX = 16;

  Replicas {
    counts = Map.copyOf(counts);
  }

  static Replicas parse(String spec) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String stage : STAGES) {
      counts.put(stage, 1);
    }
    if (spec == null || spec.isBlank()) {
      return new Replicas(counts);
    }
    for (String part : spec.split(",")) {
      String[] kv = part.strip().split("=", 2);
      if (kv.length != 2 || !STAGES.contains(kv[0].strip())) {
        throw new IllegalArgumentException("--replicas takes STAGE=N[,STAGE=N...] with STAGE one of "
            + String.join(", ", STAGES) + "; got '" + part.strip() + "'");
      }
      int n;
      try {
        n = Integer.parseInt(kv[1].strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--replicas " + kv[0].strip() + ": '" + kv[1].strip()
            + "' is not a number", e);
      }
      if (n < 1 || n > MAX) {
        throw new IllegalArgumentException("--replicas " + kv[0].strip() + " must be 1.." + MAX + ", got " + n);
      }
      counts.put(kv[0].strip(), n);
    }
    return new Replicas(counts);
  }

  int of(String stage) {
    return counts.getOrDefault(stage, 1);
  }
}
