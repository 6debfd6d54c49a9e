package dev.finetune.engine;

import dev.finetune.engine.inspect.LayerTable;
import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.model.ModelSurgery;
import dev.finetune.engine.model.Net;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.api.Layer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The layer plan of finetune:layers, computed without weights, against the network the surgery really builds. */
class LayerTableTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, true);
    }

    private static FinetuneSpec spec(String base, String rest) throws Exception {
        return new SpecParser().parse("finetune.yaml", "base: { path: " + base + " }\ndataset: { path: data/upper.csv }\n" + rest);
    }

    private static long trainable(Net net) {
        long frozen = 0;
        for (Layer layer : net.layers()) {
            if (Net.isFrozen(layer)) {
                frozen += layer.numParams();
            }
        }
        return net.numParams() - frozen;
    }

    /** What the table predicts must be what ModelSurgery builds: total and trainable parameters, frozen layers. */
    @Test
    void thePlanMatchesTheSurgeryForBothKindsOfBase() throws Exception {
        for (String base : List.of("mln.zip", "graph.zip")) {
            for (String rest : List.of("freeze: { upTo: hidden1 }\nhead: { hidden: [8] }\n", "freeze: { layers: [hidden2] }\n",
                    "head: { removeLayers: 2, hidden: [4, 3] }\n", "freeze: all\nhead: { hidden: [6] }\n",
                    "freeze: { all: true }\nhead: { removeLayers: 2 }\n")) {
                FinetuneSpec spec = spec(base, rest);
                BaseModelInfo info = BaseFormat.inspectAny(project.resolve(base));
                LayerTable table = LayerTable.of(spec, info, OptionalInt.of(5));
                Net tuned = new ModelSurgery(spec).apply(BaseFormat.loadAny(project.resolve(base)), 5, base);
                String what = base + " with " + rest + String.join("\n", table.lines());
                assertEquals(Optional.empty(), table.problem(), what);
                assertEquals(Optional.of(tuned.numParams()), table.totalParams(), what);
                assertEquals(Optional.of(trainable(tuned)), table.trainableParams(), what);
                // in a graph, freezing hidden2 freezes hidden1, which feeds it: the table shows what the surgery did
                assertEquals(tuned.frozenLayerNames(), table.rows().stream().filter(r -> r.role() == LayerTable.Role.frozen)
                        .map(LayerTable.Row::name).toList(), what);
            }
        }
    }

    @Test
    void theTableReadsAsAReviewerWouldWantIt() throws Exception {
        LayerTable table = LayerTable.of(spec("mln.zip", "freeze: { upTo: hidden1 }\nhead: { hidden: [8] }\n"),
                BaseFormat.inspectAny(project.resolve("mln.zip")), OptionalInt.of(5));
        assertEquals(List.of(
                "#  layer         type                   output  parameters  this spec",
                "0  hidden1       DenseLayer                 32       2,080  frozen",
                "1  hidden2       DenseLayer                 16         528  trains",
                "2  out           OutputLayer                 5          85  removed by the head",
                "+  head_dense_0  DenseLayer (relu)           8         136  new head, trains",
                "+  head_output   OutputLayer (softmax)       5          45  new head, trains",
                "after surgery: 709 of 2,789 parameters trainable"), table.lines());
    }

    @Test
    void aSpecThatDoesNotFitStillShowsTheBaseAndSaysWhy() throws Exception {
        LayerTable table = LayerTable.of(spec("mln.zip", "freeze: { upTo: out }\n"), BaseFormat.inspectAny(project.resolve("mln.zip")),
                OptionalInt.empty());
        assertTrue(table.problem().orElseThrow().contains("the head removes the top 1 layer(s)"), table.problem().toString());
        assertEquals(List.of("hidden1", "hidden2", "out"), table.rows().stream().map(LayerTable.Row::name).toList());
        assertTrue(table.lines().get(table.lines().size() - 1).startsWith("does not fit this spec: "), table.lines().toString());
    }
}
