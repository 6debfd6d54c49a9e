package dev.finetune.engine.chart;

import dev.finetune.engine.report.EpochRecord;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.TrainingReport;
import org.junit.jupiter.api.Test;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SvgChartsTest {

    @Test
    void numbersHaveTwoDecimalsAtMostAndNeverAnExponent() {
        assertEquals("12.5", Svg.n(12.5));
        assertEquals("3", Svg.n(3.0));
        assertEquals("0", Svg.n(-0.001));
        assertEquals("0.01", Svg.n(0.0099));
        assertEquals("1234567", Svg.n(1234567.0));
        assertEquals("0", Svg.n(Double.NaN));
        // the default locale plays no part (a German one would write commas)
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertEquals("0.25", Svg.n(0.25));
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void ticksAreRoundNumbers() {
        assertEquals(List.of(0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0), Scale.linear(0.07, 2.9, 0, 100).ticks());
        assertEquals("0.5", Scale.linear(0.07, 2.9, 0, 100).label(0.5));
        Scale log = Scale.log(0.0001, 0.01, 0, 100);
        assertEquals(3, log.ticks().size());
        assertEquals("1e-4", log.label(log.ticks().get(0)));
        assertEquals(50, log.px(0.001), 1e-9);
        assertTrue(Scale.linear(5, 5, 0, 10).ticks().size() >= 2, "a flat range still gets an axis");
    }

    @Test
    void learningCurvesMarkTheSelectedEpochAndTheStop() throws Exception {
        List<EpochRecord> epochs = List.of(new EpochRecord(1, 1.2, 1.0, 0.5, 0.4), new EpochRecord(2, 0.8, 0.7, 0.7, 0.6),
                new EpochRecord(3, 0.6, 0.8, 0.65, 0.6), new EpochRecord(4, 0.5, 0.9, 0.6, 0.55));
        TrainingReport r = new TrainingReport("fine-tune", "accuracy", 4, 2, 0.7, true, 10, 5, 1, 2, List.of(), epochs);
        String svg = ReportCharts.learningCurves(List.of(new ReportCharts.Run("fine-tune", r)));
        parse(svg);
        assertEquals(3, count(svg, "class=\"series\""));
        assertTrue(svg.contains(">selected 2</text>") && svg.contains(">stopped 4</text>"), svg);
        assertEquals(2, count(svg, "class=\"stop\""), "the validation metric's line ends in a cross");
        assertEquals(svg, ReportCharts.learningCurves(List.of(new ReportCharts.Run("fine-tune", r))), "deterministic");
        assertFalse(svg.contains("id="), "no ids: two charts inline in one page cannot clash");
    }

    @Test
    void heatmapCellsCarryCountsAndRowShares() throws Exception {
        SplitMetrics m = SplitMetrics.of("test", List.of("a", "b"), new int[][] {{3, 1}, {0, 4}}, 0.3);
        String svg = ReportCharts.confusion(m);
        parse(svg);
        assertEquals(4, count(svg, "class=\"cell\""));
        assertTrue(svg.contains("<title>true a, predicted b: 1 of 4 (25.0%)</title>"), svg);
        assertTrue(svg.contains(">75%</text>") && svg.contains(">100%</text>"));
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static void parse(String svg) throws Exception {
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
