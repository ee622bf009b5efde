package io.ragstream.query.experiment;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.List;

/**
 * An A/B experiment: named variants of the search settings, users split evenly between them.
 *
 * <p>Assignment hashes the experiment name with the user id (SHA-256, first 8 bytes, modulo the variant count), so
 * a user sees the same variant on every request and every instance with no shared state, and the same user falls
 * into independent buckets in different experiments.
 */
public record Experiment(String name, List<Variant> variants) {
  public Experiment {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("every experiment needs a name");
    }
    if (variants == null || variants.size() < 2) {
      throw new IllegalArgumentException("experiment '" + name + "' needs at least two variants");
    }
    variants = List.copyOf(variants);
    var names = new HashSet<String>();
    for (Variant v : variants) {
      if (!names.add(v.name())) {
        throw new IllegalArgumentException("experiment '" + name + "' names variant '" + v.name() + "' twice");
      }
    }
  }

  /** The variant of a user; the same for the same user id, always. */
  public Variant assign(String userId) {
    if (userId == null || userId.isBlank()) {
      throw new IllegalArgumentException("a user id is required for assignment");
    }
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256")
          .digest((name + '\u0000' + userId).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
    long bucket = ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
    return variants.get((int) Math.floorMod(bucket, (long) variants.size()));
  }

  /** The first variant, against which the others are compared. */
  public Variant control() {
    return variants.get(0);
  }
}
