package dev.finetune.spec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Whatever bytes a spec file holds, the loader answers with a spec or a {@link SpecException}: never another
 * exception, a hang or a blow-up. CI fuzzes for the short budget below ({@code JAZZER_FUZZ=1}, set by the POM);
 * fuzz for 30 minutes locally with {@code mvn -pl finetune-spec-schema test -Dtest=SpecParserLongFuzz}.
 * Without fuzzing ({@code -Djazzer.fuzz=0}) the stored inputs in {@code SpecParserFuzzTestInputs} are replayed.
 */
class SpecParserFuzzTest {

    private final SpecParser parser = new SpecParser();

    @FuzzTest(maxDuration = "20s")
    void parserThrowsOnlySpecExceptions(FuzzedDataProvider data) {
        parse(parser, data);
    }

    static void parse(SpecParser parser, FuzzedDataProvider data) {
        try {
            parser.parse("finetune.yaml", data.consumeRemainingAsString());
        } catch (SpecException expected) {
            if (expected.problems().isEmpty()) {
                throw new AssertionError("a SpecException must name at least one problem");
            }
        }
    }
}
