package dev.finetune.maven;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BaselineResolverTest {

    private static final List<String> PUBLISHED = List.of("0.9", "1.0.0", "1.0.1", "1.1.0-SNAPSHOT", "1.1.0", "1.10.0",
            "1.2.0-rc-1", "1.2.0", "2.0.0-SNAPSHOT");

    @Test
    void baselineCandidatesAreOlderReleasesNewestFirst() {
        // 1.2.0-rc-1 sorts before 1.2.0 and 1.10.0 after 1.2.0, as Maven orders versions (not as strings)
        assertEquals(List.of("1.2.0", "1.2.0-rc-1", "1.1.0", "1.0.1", "1.0.0", "0.9"), BaselineResolver.candidates(PUBLISHED, "1.3.0-SNAPSHOT"));
        assertEquals(List.of("1.10.0", "1.2.0", "1.2.0-rc-1", "1.1.0", "1.0.1", "1.0.0", "0.9"),
                BaselineResolver.candidates(PUBLISHED, "2.0.0-SNAPSHOT"));
    }

    @Test
    void aReleaseBuildComparesWithThePreviousReleaseNotItself() {
        assertEquals(List.of("1.0.1", "1.0.0", "0.9"), BaselineResolver.candidates(PUBLISHED, "1.1.0"));
        // a maintenance branch does not compare with a later release
        assertEquals(List.of("1.0.0", "0.9"), BaselineResolver.candidates(PUBLISHED, "1.0.1-SNAPSHOT"));
        assertEquals(List.of(), BaselineResolver.candidates(PUBLISHED, "0.9"));
    }

    @Test
    void coordinatesShowTheClassifierOnlyWhenThereIsOne() {
        assertEquals("g:a:zip:model:1.0", BaselineResolver.coordinates("g", "a", "model", "1.0"));
        assertEquals("g:a:zip:1.0", BaselineResolver.coordinates("g", "a", "", "1.0"));
    }
}
