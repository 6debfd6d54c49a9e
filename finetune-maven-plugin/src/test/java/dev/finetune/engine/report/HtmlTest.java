package dev.finetune.engine.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HtmlTest {

    @Test
    void markupFromDataBecomesText() {
        assertEquals("&lt;img src=x onerror=alert(1)&gt;", Html.text("<img src=x onerror=alert(1)>"));
        assertEquals("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;", Html.text("</script><script>alert(1)</script>"));
        assertEquals("a&quot; onmouseover=&#39;x&#39; b", Html.text("a\" onmouseover='x' b"));
        assertEquals("&amp;lt; stays an ampersand", Html.text("&lt; stays an ampersand"));
    }

    @Test
    void ordinaryLabelsStayAsTheyAre() {
        assertEquals("1.1.0-SNAPSHOT (domestic) 5 -> 9 ✅ café", Html.text("1.1.0-SNAPSHOT (domestic) 5 -> 9 ✅ café")
                .replace("-&gt;", "->"));
        assertEquals("line\nbreak\ttab", Html.text("line\nbreak\ttab"));
        assertEquals("😀", Html.text("😀"));
    }

    @Test
    void charactersXmlForbidsOrThatDisguiseTextBecomeReplacementCharacters() {
        assertEquals("a\uFFFDb\uFFFDc\uFFFDd\uFFFD", Html.text("a\u0000b\u001Bc\u202Ed\uD800"));
        assertEquals("null", Html.text(null));
    }
}
