package io.ragstream.launcher;

import java.util.List;

/**
 * Subcommands that live outside the launcher module (the {@code bench} and {@code eval} tooling of the benchmarks
 * module), found with {@link java.util.ServiceLoader}: a production classpath without that module simply has no
 * such commands, and the ones present are typed exactly as before ({@code ragstream bench embed}).
 */
public interface CommandProvider {
  /** picocli {@code @Command} objects to add below {@code ragstream}. */
  List<Object> commands();
}
