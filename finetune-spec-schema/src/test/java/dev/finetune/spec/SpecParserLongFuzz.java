package dev.finetune.spec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The loader's fuzz test with a 30-minute budget, for local runs: {@code mvn -pl finetune-spec-schema test
 * -Dtest=SpecParserLongFuzz}. Its name keeps it out of the default test run (Jazzer fuzzes one test per run).
 */
class SpecParserLongFuzz {

    private final SpecParser parser = new SpecParser();

    @FuzzTest(maxDuration = "30m")
    void parserThrowsOnlySpecExceptions(FuzzedDataProvider data) {
        SpecParserFuzzTest.parse(parser, data);
    }
}
