package io.ragstream.launcher;

import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Settings;
import io.ragstream.runtime.kafka.KafkaSettings;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ragstream config [STAGE]}: the effective settings of a stage (all stages without one), each with its
 * variable and where its value came from (flag, env, default), and the Kafka client overrides; secrets are hidden.
 * The same resolution and validation as {@code stage}, so an invalid or unknown setting fails here the same way.
 */
@Command(name = "config", description = "Print the effective settings of a stage (all stages without one): flags,"
    + " then RAGSTREAM_* variables, then defaults; secrets hidden. Fails like `stage` would on an invalid or"
    + " unknown setting.")
final class ConfigCommand implements Callable<Integer> {
  @Parameters(arity = "0..1", paramLabel = "STAGE",
      description = "extract | chunker | embedder | indexer | status | query | ingest (default: all)")
  String stage;

  @CommandLine.Mixin StageOptions options = new StageOptions();

  @Override
  public Integer call() {
    print(System.out, stage == null ? StageCatalog.NAMES : List.of(stage), options, System.getenv());
    return 0;
  }

  static void print(PrintStream out, List<String> stages, StageOptions options, Map<String, String> env) {
    for (String name : stages) {
      if (!StageCatalog.NAMES.contains(name)) {
        throw new IllegalArgumentException("unknown stage '" + name + "': " + String.join(", ", StageCatalog.NAMES));
      }
    }
    StageCatalog.rejectUnknownVariables(env);
    for (String name : stages) {
      Settings settings = StageCatalog.resolve(name, options.flags(name), env);
      KafkaSettings kafka = CommonSettings.kafka(settings, env);
      out.println("# stage " + name);
      out.print(settings.describe());
      Map<String, String> overrides = new TreeMap<>();
      kafka.clientOverrides().forEach((k, v) -> overrides.put(k, KafkaSettings.isSecret(k) ? "[hidden]" : v));
      out.println("kafka client overrides: " + (overrides.isEmpty() ? "(none)" : overrides));
      out.println();
    }
  }
}
