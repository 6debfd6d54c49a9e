package dev.finetune.maven;

import dev.finetune.engine.TestBases;
import org.apache.maven.api.plugin.testing.InjectMojo;
import org.apache.maven.api.plugin.testing.MojoTest;
import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** finetune:layers through Maven's plugin descriptor: the plan printed into the log, a misfit failing the goal. */
@MojoTest
class LayersMojoTest {

    @TempDir
    Path project;

    private final MojoFixture fixture = new MojoFixture();
    private final List<String> info = fixture.info;

    private LayersMojo configure(LayersMojo mojo, String spec) throws Exception {
        TestBases.multiLayerBase(project.resolve("b.zip"));
        TestBases.writeUpperDigits(project.resolve("d.csv"));
        return fixture.configure(mojo, project, spec);
    }

    @Test
    @InjectMojo(goal = "layers")
    void printsTheBaseAsTheSpecWillTuneIt(LayersMojo mojo) throws Exception {
        configure(mojo, "base: { path: b.zip }\ndataset: { path: d.csv }\nfreeze: { upTo: hidden1 }\nhead: { hidden: [8] }\n").execute();
        assertEquals("Base b.zip: DL4J model zip (MultiLayerNetwork), 3 layers, input [64], 2,693 parameters", info.get(0));
        assertTrue(info.contains("0  hidden1       DenseLayer                 32       2,080  frozen"), String.join("\n", info));
        assertEquals("after surgery: 709 of 2,789 parameters trainable", info.get(info.size() - 1));
    }

    @Test
    @InjectMojo(goal = "layers")
    void aSpecThatDoesNotFitTheBaseFailsWithTheReason(LayersMojo mojo) throws Exception {
        configure(mojo, "base: { path: b.zip }\ndataset: { path: d.csv }\nfreeze: { upTo: out }\n");
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        assertTrue(e.getMessage().startsWith("The spec finetune.yaml does not fit its base: `freeze` names layer 2 (`out`)"), e.getMessage());
        assertTrue(info.stream().anyMatch(l -> l.startsWith("2  out ")), String.join("\n", info));
    }
}
