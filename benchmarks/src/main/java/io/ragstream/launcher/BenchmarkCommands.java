package io.ragstream.launcher;

import java.util.List;

/**
 * {@code ragstream bench ...} and {@code ragstream eval}: tooling kept out of the production launcher (its images
 * ship without this module and langchain4j), added to the command line by {@link Ragstream} through
 * {@link CommandProvider} when this jar is on the classpath, as {@code ./ragstream} puts it.
 */
public final class BenchmarkCommands implements CommandProvider {
  @Override
  public List<Object> commands() {
    return List.of(new BenchCommand(), new EvalCommand());
  }
}
