package dev.codebasechat.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency arrows of the main code, one way only: the PostgREST client knows no chat; auth
 * and the resilience layer build on the client; the journal and the embedded table on SQLite;
 * sessions on those; the operator tools and the HTTP gateway on sessions, and so does the chat
 * memory of the framework adapters; the command line on everything; the session machinery ({@code
 * session.internal}) serves only the store and the operator tools. The library packages never reach
 * the server, the CLI or a logging backend.
 */
class ArchitectureTest {

  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // The core module's test fixtures reach this module as a jar of their own.
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.codebasechat");
  }

  @Test
  void layers_dependOnlyOnTheLayersBelowThem() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("postgrest")
        .definedBy("dev.codebasechat.postgrest..")
        .layer("auth")
        .definedBy("dev.codebasechat.auth..")
        .layer("resilience")
        .definedBy("dev.codebasechat.resilience..")
        .layer("writebehind")
        .definedBy("dev.codebasechat.writebehind..")
        .layer("sqlite")
        .definedBy("dev.codebasechat.sqlite..")
        .layer("journal")
        .definedBy("dev.codebasechat.journal..")
        .layer("embedded")
        .definedBy("dev.codebasechat.embedded..")
        .layer("session")
        .definedBy("dev.codebasechat.session..")
        .layer("operator")
        .definedBy("dev.codebasechat.operator..")
        .layer("memory")
        .definedBy("dev.codebasechat.memory..")
        .layer("gateway")
        .definedBy("dev.codebasechat.gateway..")
        .layer("cli")
        .definedBy("dev.codebasechat.cli..")
        .whereLayer("cli")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("gateway")
        .mayOnlyBeAccessedByLayers("cli")
        .whereLayer("operator")
        .mayOnlyBeAccessedByLayers("cli")
        // Chat memory serves the framework adapters (modules of their own), nothing here.
        .whereLayer("memory")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("session")
        .mayOnlyBeAccessedByLayers("operator", "memory", "gateway", "cli")
        .whereLayer("journal")
        .mayOnlyBeAccessedByLayers("session", "operator", "gateway", "cli")
        .whereLayer("embedded")
        .mayOnlyBeAccessedByLayers("session", "operator", "gateway", "cli")
        .whereLayer("sqlite")
        .mayOnlyBeAccessedByLayers("journal", "embedded", "session", "operator", "gateway", "cli")
        .whereLayer("writebehind")
        .mayOnlyBeAccessedByLayers("session", "gateway", "cli")
        .whereLayer("resilience")
        .mayOnlyBeAccessedByLayers("session", "operator", "gateway", "cli")
        .whereLayer("auth")
        .mayOnlyBeAccessedByLayers("gateway", "cli")
        .whereLayer("postgrest")
        .mayOnlyBeAccessedByLayers("auth", "resilience", "session", "operator", "gateway", "cli")
        .check(main);
  }

  @Test
  void libraryPackages_neverUseTheServerTheCommandLineOrALoggingBackend() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.codebasechat.postgrest..",
            "dev.codebasechat.auth..",
            "dev.codebasechat.resilience..",
            "dev.codebasechat.writebehind..",
            "dev.codebasechat.sqlite..",
            "dev.codebasechat.journal..",
            "dev.codebasechat.embedded..",
            "dev.codebasechat.session..",
            "dev.codebasechat.operator..",
            "dev.codebasechat.memory..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.undertow..", "picocli..", "ch.qos.logback..", "io.micrometer.prometheusmetrics..")
        .check(main);
  }

  @Test
  void theSessionMachinery_isUsedOnlyByTheStoreAndTheOperatorTools() {
    classes()
        .that()
        .resideInAPackage("dev.codebasechat.session.internal..")
        .should()
        .onlyBeAccessed()
        .byAnyPackage("dev.codebasechat.session..", "dev.codebasechat.operator..")
        .check(main);
  }

  @Test
  void theMemoryMachinery_isUsedOnlyByTheMemory() {
    classes()
        .that()
        .resideInAPackage("dev.codebasechat.memory.internal..")
        .should()
        .onlyBeAccessed()
        .byAnyPackage("dev.codebasechat.memory..")
        .check(main);
  }

  @Test
  void theTestKit_knowsTheTableRulesButNotTheCoreLibrary() {
    // What lets the core library's own tests use the test kit (Maven allows no module cycle).
    noClasses()
        .that()
        .resideInAPackage("dev.codebasechat.testing..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.codebasechat.postgrest..",
            "dev.codebasechat.auth..",
            "dev.codebasechat.resilience..",
            "dev.codebasechat.writebehind..",
            "dev.codebasechat.sqlite..",
            "dev.codebasechat.journal..",
            "dev.codebasechat.embedded..",
            "dev.codebasechat.session..",
            "dev.codebasechat.operator..",
            "dev.codebasechat.gateway..",
            "dev.codebasechat.cli..")
        .check(main);
  }

  @Test
  void theTestKitsFakeAndFront_neverUsePostgreSql() {
    // What keeps embedded PostgreSQL, the JDBC driver and HikariCP out of the WireMock fake's
    // artifact: only the PostgreSQL backend (its own artifact) may use them.
    noClasses()
        .that()
        .resideInAnyPackage("dev.codebasechat.testing", "dev.codebasechat.testing.internal..")
        .and()
        .doNotHaveSimpleName("SupabaseTestServer")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.zonky..", "org.postgresql..", "com.zaxxer..", "java.sql..")
        .check(main);
  }

  @Test
  void theTestKitsMachinery_isUsedOnlyByTheTestKit() {
    classes()
        .that()
        .resideInAPackage("dev.codebasechat.testing.internal..")
        .should()
        .onlyBeAccessed()
        .byAnyPackage("dev.codebasechat.testing..")
        .check(main);
  }

  @Test
  void theTableRules_dependOnNothingOfTheProject() {
    noClasses()
        .that()
        .resideInAPackage("dev.codebasechat.schema..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.codebasechat.postgrest..",
            "dev.codebasechat.auth..",
            "dev.codebasechat.resilience..",
            "dev.codebasechat.writebehind..",
            "dev.codebasechat.sqlite..",
            "dev.codebasechat.journal..",
            "dev.codebasechat.embedded..",
            "dev.codebasechat.session..",
            "dev.codebasechat.gateway..",
            "dev.codebasechat.cli..",
            "dev.codebasechat.testing..")
        .check(main);
  }

  @Test
  void thePostgrestClient_knowsNoChat() {
    noClasses()
        .that()
        .resideInAPackage("dev.codebasechat.postgrest..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.codebasechat.session..",
            "dev.codebasechat.resilience..",
            "dev.codebasechat.writebehind..",
            "dev.codebasechat.sqlite..",
            "dev.codebasechat.journal..",
            "dev.codebasechat.embedded..",
            "dev.codebasechat.auth..")
        .check(main);
  }
}
