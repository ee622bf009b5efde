package io.ragstream.launcher;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.ragstream.query.boundaryfixture.QueryUsingIndexer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The module boundaries, checked on the production bytecode of every module (the launcher's test class path holds
 * them all): a stage never depends on another stage, and the shared modules (schemas, runtime, embedded-kafka,
 * store-api, embedding, servers) depend on no stage. Maven's module graph allows nothing else today; this keeps a
 * dependency added to a pom from quietly coupling two stages.
 */
class ModuleBoundariesTest {
  /** Each stage module's packages. The store SPI (io.ragstream.indexer.store, module store-api) is shared. */
  private static final Map<String, DescribedPredicate<JavaClass>> STAGES = stages();

  /** The modules every stage may use, which must therefore use no stage. */
  private static final DescribedPredicate<JavaClass> SHARED = resideInAnyPackage("io.ragstream.schemas..",
      "io.ragstream.runtime..", "io.ragstream.indexer.store..", "io.ragstream.embedding..", "io.ragstream.servers..")
      .as("the shared modules (schemas, runtime, embedded-kafka, store-api, embedding, servers)");

  /**
   * cdc-source is an ingest source kept in a module of its own only so Debezium and Connect reach nothing but the
   * launcher: it publishes through ingest-connector's DocumentPublisher like every other source.
   */
  private static final Map<String, List<String>> ALLOWED = Map.of("cdc-source", List.of("ingest-connector"));

  /** Production classes only: this module's and every other module's test classes and test-jars are left out. */
  private static final Pattern TEST_LOCATION = Pattern.compile(".*(/test-classes/|-tests\\.jar).*");
  private static final JavaClasses PRODUCTION = new ClassFileImporter()
      .withImportOption(location -> !location.matches(TEST_LOCATION))
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.ragstream");

  private static Map<String, DescribedPredicate<JavaClass>> stages() {
    Map<String, DescribedPredicate<JavaClass>> stages = new LinkedHashMap<>();
    stages.put("ingest-connector", resideInAPackage("io.ragstream.ingest.."));
    stages.put("cdc-source", resideInAPackage("io.ragstream.cdc.."));
    stages.put("chunker-stream", resideInAPackage("io.ragstream.chunker.."));
    stages.put("embedder-worker", resideInAPackage("io.ragstream.embedder.."));
    stages.put("indexer-sink", resideInAPackage("io.ragstream.indexer..")
        .and(not(resideInAPackage("io.ragstream.indexer.store.."))));
    stages.put("query-service", resideInAPackage("io.ragstream.query.."));
    stages.replaceAll((module, classes) -> classes.as(module + "'s classes"));
    return stages;
  }

  static Stream<String> stageModules() {
    return STAGES.keySet().stream();
  }

  private static ArchRule stageUsesNoOtherStage(String module) {
    DescribedPredicate<JavaClass> others = STAGES.entrySet().stream()
        .filter(e -> !e.getKey().equals(module) && !ALLOWED.getOrDefault(module, List.of()).contains(e.getKey()))
        .map(Map.Entry::getValue)
        .reduce((a, b) -> a.or(b))
        .orElseThrow();
    return noClasses().that(STAGES.get(module))
        .should().dependOnClassesThat(others.or(resideInAnyPackage("io.ragstream.launcher..", "io.ragstream.bench..")))
        .as(module + " depends on no other stage, nor on the launcher or the benchmarks")
        .because("stages depend on schemas/runtime/store-api/embedding only; the launcher assembles them");
  }

  private static ArchRule sharedModulesUseNoStage() {
    DescribedPredicate<JavaClass> anyStage = STAGES.values().stream().reduce((a, b) -> a.or(b)).orElseThrow();
    return noClasses().that(SHARED)
        .should().dependOnClassesThat(anyStage.or(resideInAnyPackage("io.ragstream.launcher..",
            "io.ragstream.bench..")))
        .because("module dependencies point one way: schemas <- runtime <- store-api <- stages <- launcher");
  }

  @ParameterizedTest
  @MethodSource("stageModules")
  void aStageDependsOnNoOtherStage(String module) {
    assertThat(PRODUCTION.that(STAGES.get(module))).as("%s's classes were imported", module).isNotEmpty();
    stageUsesNoOtherStage(module).check(PRODUCTION);
  }

  @Test
  void theSharedModulesDependOnNoStage() {
    assertThat(PRODUCTION.that(SHARED)).isNotEmpty();
    sharedModulesUseNoStage().check(PRODUCTION);
  }

  @Test
  void theRulesCatchAStageUsingAnother() {
    JavaClasses violation = new ClassFileImporter().importClasses(QueryUsingIndexer.class);
    assertThatThrownBy(() -> stageUsesNoOtherStage("query-service").check(violation))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("io.ragstream.indexer.IndexerConfig")
        .hasMessageNotContaining("GenerationSetting");
  }
}
