package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code RAGSTREAM_*} variable the code reads is one `up`, `stage` and `config` accept: an undeclared one would
 * make every stage refuse to start as soon as a user sets it.
 */
class VariablesDeclaredTest {
  /** Whole names in string literals; prefixes such as {@code "RAGSTREAM_KAFKA_"} end in '_' and are skipped. */
  private static final Pattern NAME = Pattern.compile("(?:\"|env:)(RAGSTREAM_[A-Z0-9_]*[A-Z0-9])\\b");

  @Test
  void everyVariableTheMainSourcesNameIsDeclared() throws IOException {
    TreeSet<String> names = new TreeSet<>();
    try (Stream<Path> modules = Files.list(Path.of(".."))) {
      for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/main/java"))).toList()) {
        try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
          files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
            Matcher m = NAME.matcher(read(f));
            while (m.find()) {
              names.add(m.group(1));
            }
          });
        }
      }
    }
    assertThat(names).as("the scan found the code's variables").contains("RAGSTREAM_API_KEYS", "RAGSTREAM_QUERY_CACHE");
    List<String> refused = new ArrayList<>();
    for (String name : names) {
      try {
        StageCatalog.rejectUnknownVariables(Map.of(name, "x"));
      } catch (IllegalArgumentException e) {
        refused.add(name);
      }
    }
    assertThat(refused).as("variables read somewhere but refused at start").isEmpty();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
