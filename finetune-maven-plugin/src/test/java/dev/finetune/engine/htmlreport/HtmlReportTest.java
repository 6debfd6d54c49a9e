package dev.finetune.engine.htmlreport;

import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.TestBases;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.EventText;
import dev.finetune.engine.event.EventsFile;
import dev.finetune.engine.event.JobEvent;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.Json;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * report.html from a real training: a sweep with successive halving (so some trials stop), the from-scratch
 * comparison and evaluation, on the UCI digits 5-9 whose labels are replaced by markup. The page must show the
 * labels as text, hold well-formed SVG charts with the expected elements, and be the same bytes when the same
 * inputs are trained again in another directory.
 */
class HtmlReportTest {

    /** Class labels that are markup: each must appear as text, never as an element or attribute. */
    static final List<String> HOSTILE = List.of("<img src=x onerror=alert(1)>", "</svg><script>alert(2)</script>",
            "\"><b onmouseover=alert(3)>", "five & five", "'single'");

    private static final String SPEC = """
            base: { path: mln.zip }
            dataset:
              path: data/labels.csv
              split: { train: 0.3, validation: 0.2, test: 0.5, seed: 3 }
            freeze: { upTo: hidden1 }
            head: { hidden: [12] }
            training: { learningRate: 0.01, batchSize: 16, epochs: 6, seed: 5 }
            earlyStopping: { metric: accuracy, patience: 3 }
            evaluation: { gates: [ accuracy >= 0.5, macroF1 >= 0.999 ], compareWithScratch: true }
            sweep:
              parallelism: 1
              earlyTermination: { policy: successiveHalving, gracePeriod: 2, reductionFactor: 2 }
              parameters:
                head.hidden: { values: [[], [8]] }
                training.learningRate: { values: [0.001, 0.02] }
            """;

    @TempDir
    static Path project;

    static FinetuneSpec spec;
    static String page;
    static List<String> logLines = Collections.synchronizedList(new ArrayList<>());
    static List<JobEvent> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void trainAndRender() throws Exception {
        TestBases.writeProject(project, false);
        List<String> rows = new ArrayList<>();
        for (String row : TestBases.digitRows(true)) {
            int comma = row.lastIndexOf(',');
            String label = HOSTILE.get(Integer.parseInt(row.substring(comma + 1).trim()) - 5);
            rows.add(row.substring(0, comma + 1) + "\"" + label.replace("\"", "\"\"") + "\"");
        }
        Files.write(project.resolve("data/labels.csv"), rows, StandardCharsets.UTF_8);
        spec = new SpecParser().parse("finetune.yaml", SPEC);
        page = build(project.resolve("target/finetune"), true);
        // -Dhtmlreport.dump=DIR keeps the page and its directory's charts for a look in a browser
        String dump = System.getProperty("htmlreport.dump");
        if (dump != null) {
            Files.createDirectories(Path.of(dump));
            Files.writeString(Path.of(dump, OutputFiles.REPORT_HTML), page);
        }
    }

    /** Trains, evaluates and renders the page into {@code out}; events to events.jsonl as the fork writes them. */
    static String build(Path out, boolean record) throws Exception {
        Files.createDirectories(out);
        // a heartbeat after every minibatch: the real interval is seconds, the lines are the same
        JobOptions options = JobOptions.DEFAULTS.withHeartbeat(Duration.ofNanos(1));
        try (EventsFile file = EventsFile.open(out.resolve(OutputFiles.EVENTS), true)) {
            EventSink sink = record ? EventSink.all(List.of(file, events::add, EventSink.lines(logLines::add))) : file;
            FinetuneJob job = TestBases.job(spec, project, out, sink, options);
            job.train();
            job.evaluate();
        }
        ReportInputs inputs = ReportInputs.read(out, spec, "digits <b>relabelled</b> 1.0", Optional.of("0123456789ab"), true,
                Optional.empty()).orElseThrow();
        return Files.readString(HtmlReport.write(out, inputs));
    }

    @Test
    void labelsFromDataAreTextNotMarkup() throws Exception {
        assertEquals(1, count(page, "<script"), "only the page's own script");
        assertFalse(page.contains("<img"), "no image element from a label");
        assertFalse(page.contains("<b "), "no element from a label");
        assertFalse(page.contains("<b>relabelled"), "no element from the title");
        assertTrue(page.contains("&lt;img src=x onerror=alert(1)&gt;"), "the label shows as itself");
        assertTrue(page.contains("five &amp; five"));
        for (String svg : svgs(page)) {
            Document doc = parse(svg);
            NodeList all = doc.getElementsByTagName("*");
            for (int i = 0; i < all.getLength(); i++) {
                Element e = (Element) all.item(i);
                assertFalse(List.of("script", "foreignObject", "img", "a", "image").contains(e.getTagName()), e.getTagName());
                NamedNodeMap attrs = e.getAttributes();
                for (int a = 0; a < attrs.getLength(); a++) {
                    assertFalse(attrs.item(a).getNodeName().startsWith("on"), "event handler attribute " + attrs.item(a));
                }
            }
        }
    }

    @Test
    void theContentSecurityPolicyAllowsOnlyThePagesOwnScript() {
        assertTrue(page.contains("script-src '" + HtmlReport.scriptHash() + "'"));
        assertTrue(page.contains("<script>\n" + HtmlReport.SCRIPT + "</script>"), "the hash covers the script as written");
        assertTrue(page.contains("default-src 'none'"));
        assertFalse(Pattern.compile("(src|href)=\"(https?:)?//").matcher(page).find(), "nothing loads from a network");
    }

    @Test
    void chartsHaveTheirElements() throws Exception {
        SweepReport sweep = Json.read(project.resolve("target/finetune/" + OutputFiles.SWEEP), SweepReport.class);
        int k = HOSTILE.size();
        String confusion = svg(page, "chart-confusion");
        assertEquals(k * k, count(confusion, "class=\"cell\""), "one cell per true and predicted class");
        assertEquals(3 * k, count(svg(page, "chart-per-class"), "class=\"bar\""), "precision, recall and F1 per class");
        String curves = svg(page, "chart-learning-curve");
        // fine-tune and from scratch: train and validation loss, and the selection metric, each
        assertEquals(6, count(curves, "class=\"series\""));
        assertTrue(curves.contains("class=\"marker\""), "the selected epoch is marked");
        String trials = svg(page, "chart-trials");
        assertEquals(sweep.trials().size(), count(trials, "class=\"series\""), "every trial's curve");
        long stopped = sweep.trials().stream().filter(t -> t.stoppedEarly()).count();
        assertTrue(stopped > 0, "successive halving stopped some trials");
        assertEquals(2 * stopped, count(trials, "class=\"stop\""), "a cross where each stopped trial ends");
        assertEquals(2, count(page, "chart chart-scatter"), "one scatter per swept parameter");
        assertEquals(sweep.trials().size(), count(page.substring(page.indexOf("table class=\"sortable")), "<tr") - 1);
        assertTrue(page.contains("data-verdict=\"failed\""), "the macroF1 >= 0.999 gate fails");
        for (String svg : svgs(page)) {
            parse(svg); // well-formed on its own, as the files beside the model card must be
        }
    }

    @Test
    void theSameInputsGiveTheSameBytes() throws Exception {
        String again = build(project.resolve("target/again"), false);
        assertEquals(page, again);
        assertArrayEquals(page.getBytes(StandardCharsets.UTF_8), again.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void heartbeatsAndSweepProgressAreShortLogLines() {
        List<JobEvent.Heartbeat> beats = events.stream().filter(e -> e instanceof JobEvent.Heartbeat)
                .map(e -> (JobEvent.Heartbeat) e).toList();
        assertFalse(beats.isEmpty(), "heartbeats within epochs");
        beats.forEach(b -> assertTrue(b.batches() > 0 && b.batches() < b.totalBatches(), b.toString()));
        assertTrue(beats.stream().anyMatch(b -> b.trial().isEmpty() && b.run().equals("from-scratch")));
        List<String> beatLines = beats.stream().map(b -> EventText.line(b).orElseThrow().text()).toList();
        assertTrue(beatLines.stream().anyMatch(l -> l.matches("from-scratch epoch \\d+/6: batch \\d+/\\d+ \\(\\d+%\\), epoch ETA \\d+s, run ETA \\d+s")),
                beatLines.toString());
        int trials = (int) events.stream().filter(e -> e instanceof JobEvent.TrialEnded).count();
        List<String> progress = logLines.stream().filter(l -> l.startsWith("sweep: trial ")).toList();
        assertEquals(trials, progress.size(), "one progress line per finished trial");
        assertTrue(progress.get(progress.size() - 1).matches("sweep: trial 4 of 4 done, \\d+s elapsed, ETA 0s"), progress.toString());
        // Maven's -B prefix is "[INFO] "
        logLines.stream().filter(l -> l.startsWith("sweep: trial ") || l.contains(": batch "))
                .forEach(l -> assertTrue(("[INFO] " + l).length() < 120, l));
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    static List<String> svgs(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<svg .*?</svg>", Pattern.DOTALL).matcher(html);
        while (m.find()) {
            out.add(m.group());
        }
        assertFalse(out.isEmpty());
        return out;
    }

    static String svg(String html, String cssClass) {
        return svgs(html).stream().filter(s -> s.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart " + cssClass + "\""))
                .findFirst().orElseThrow(() -> new AssertionError("no " + cssClass));
    }

    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
