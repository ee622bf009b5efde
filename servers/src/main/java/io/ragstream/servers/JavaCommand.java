package io.ragstream.servers;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to start another JVM like this one: the same {@code java} executable, the same class path and the same
 * module/native-access flags, so a child process runs exactly the code its parent runs. Agents, debuggers and heap
 * sizes of the parent are not inherited (each child gets its own {@code extraJvmArgs}).
 *
 * @param java the java executable
 * @param jvmArgs flags copied from this JVM (module and native-access options)
 * @param classpath the class path, passed through the {@code CLASSPATH} environment variable by {@link #builder}
 *     so a long one never meets a command-line limit
 */
public record JavaCommand(Path java, List<String> jvmArgs, String classpath) {
  public JavaCommand {
    jvmArgs = List.copyOf(jvmArgs);
  }

  /** This JVM's executable, its inherited flags and its class path. */
  public static JavaCommand current() {
    Path java = ProcessHandle.current().info().command().map(Path::of)
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java"));
    List<String> inherited = new ArrayList<>();
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (inheritable(arg)) {
        inherited.add(arg);
      }
    }
    return new JavaCommand(java, inherited, System.getProperty("java.class.path"));
  }

  /** Module, native-access and Unsafe flags are what the code needs; heap, agents and debug flags are the parent's. */
  static boolean inheritable(String arg) {
    return arg.startsWith("--enable-native-access") || arg.startsWith("--add-modules")
        || arg.startsWith("--add-opens") || arg.startsWith("--add-exports")
        || arg.startsWith("--sun-misc-unsafe-memory-access") || arg.startsWith("-Djava.io.tmpdir");
  }

  /** A process builder for {@code java <inherited> <extraJvmArgs> mainClass args...} on this class path. */
  public ProcessBuilder builder(List<String> extraJvmArgs, String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(jvmArgs);
    command.addAll(extraJvmArgs);
    command.add(mainClass);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("CLASSPATH", classpath);
    return builder;
  }
}
