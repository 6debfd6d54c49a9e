package dev.finetune.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layering the plugin relies on, checked on the compiled classes: the engine never sees Maven (so it runs in the
 * training JVM and in other hosts), the mojos never touch ND4J or DL4J directly (native code must not load into
 * Maven's JVM), and no two engine packages depend on each other.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.finetune");
        // a rule over nothing passes: make sure the production classes were found
        assertTrue(classes.stream().anyMatch(c -> c.getPackageName().startsWith("dev.finetune.engine.")), "no engine classes imported");
        assertTrue(classes.stream().anyMatch(c -> c.getPackageName().equals("dev.finetune.maven")), "no mojo classes imported");
    }

    @Test
    void theEngineNeverImportsMavenOrItsResolver() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.finetune.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.maven..", "org.eclipse.aether..", "org.codehaus.plexus..")
                .because("the engine runs in the training JVM, which has no Maven on its classpath");
        rule.check(classes);
    }

    @Test
    void enginePackagesFormNoCycles() {
        slices().matching("dev.finetune.engine.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theMojosUseNd4jAndDl4jOnlyThroughTheEngine() {
        noClasses().that().resideInAPackage("dev.finetune.maven..")
                .should().dependOnClassesThat().resideInAnyPackage("org.nd4j..", "org.deeplearning4j..", "org.bytedeco..")
                .because("ND4J's and HDF5's natives must never load into Maven's JVM; the engine's fork runs them")
                .check(classes);
    }

    @Test
    void theSpecModuleKnowsNeitherDl4jNorMaven() {
        noClasses().that().resideInAPackage("dev.finetune.spec..")
                .should().dependOnClassesThat().resideInAnyPackage("org.nd4j..", "org.deeplearning4j..", "org.apache.maven..",
                        "dev.finetune.engine..", "dev.finetune.maven..")
                .check(classes);
    }
}
