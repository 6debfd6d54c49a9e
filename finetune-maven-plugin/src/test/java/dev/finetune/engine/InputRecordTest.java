package dev.finetune.engine;

import dev.finetune.engine.fingerprint.InputRecord;
import dev.finetune.engine.fingerprint.InputRecord.Input;
import dev.finetune.engine.fingerprint.InputRecord.Kind;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InputRecordTest {

    private static final String SHA = "ab".repeat(32);

    @Test
    void roundTripsThroughItsTextForm() {
        InputRecord record = new InputRecord(SHA, List.of(new Input(Kind.settings, SHA, "-"), new Input(Kind.spec, SHA, "finetune.yaml"),
                new Input(Kind.file, SHA, "data/with space.csv"), new Input(Kind.artifact, SHA, "g:a:1.0:model")));
        assertEquals(Optional.of(record), InputRecord.parse(record.format()));
    }

    @Test
    void markersWithoutTheirInputsProveNothing() {
        // a marker of an earlier version held only the fingerprint: no raw inputs to compare, so not up to date
        assertEquals(Optional.empty(), InputRecord.parse(SHA + "\n"));
        assertEquals(Optional.empty(), InputRecord.parse(SHA + "\nfile " + SHA + " data.csv\n"));
        assertEquals(Optional.empty(), InputRecord.parse("not a fingerprint\nsettings " + SHA + " -\n"));
        assertEquals(Optional.empty(), InputRecord.parse(SHA + "\nsomething " + SHA + " x\n"));
        // a record must say which spec file it was made from
        assertEquals(Optional.empty(), InputRecord.parse(SHA + "\nsettings " + SHA + " -\nfile " + SHA + " finetune.yaml\n"));
        assertEquals(Optional.empty(), InputRecord.parse(""));
    }
}
