package io.ragstream.launcher;

import java.util.Map;

/**
 * A stage worker's instance id, part of its transactional id: two live workers of one stage with the same id fence
 * each other. Replicas started from one definition ({@code docker compose --scale}, a Deployment) get no option
 * of their own, so the default comes from the environment: {@code RAGSTREAM_INSTANCE}, else the host name, which
 * Docker and Kubernetes make unique per container, else {@code 0} for a single worker on a plain machine.
 */
final class InstanceIds {
  static final String ENV = "RAGSTREAM_INSTANCE";

  private InstanceIds() {}

  static String resolve(String option, Map<String, String> env) {
    for (String candidate : new String[] {option, env.get(ENV), env.get("HOSTNAME")}) {
      if (candidate != null && !candidate.isBlank()) {
        return candidate.strip();
      }
    }
    return "0";
  }
}
