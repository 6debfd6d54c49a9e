package dev.finetune.engine.report;

/**
 * Escaping for text from data, file names, the spec or the project that goes into {@code report.html} and the SVG
 * charts: a class label such as {@code <img src=x onerror=alert(1)>} must show as those characters and never become
 * markup, an attribute, a script or an entity. One function serves element text and double- or single-quoted
 * attribute values alike, since it escapes every character that ends either ({@code & < > " '}). Characters XML 1.0
 * does not allow (the C0 controls other than tab, LF and CR, and unpaired surrogates) would make an SVG file
 * unreadable, so they become U+FFFD; the bidirectional override controls too, as in {@link Markdown}.
 */
public final class Html {

    private Html() {
    }

    /** Text for an element's content or a quoted attribute value. */
    public static String text(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F || c >= 0x80 && c < 0xA0
                            || c >= '\u202A' && c <= '\u202E' || c >= '\u2066' && c <= '\u2069' || c == '\uFFFE' || c == '\uFFFF') {
                        out.append('\uFFFD');
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        out.append('\uFFFD');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
