package dev.finetune.spec;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean ...?" for misspelt keys and enum values. */
public final class Suggestions {

    private Suggestions() {
    }

    /**
     * What the user most likely meant, ignoring case: the closest candidate within a small edit distance (a typo);
     * else the one candidate the text begins (an abbreviation: {@code acc} for {@code accuracy}); else the one
     * candidate that contains it ({@code f1} for {@code macroF1}). Empty when none, or when several fit equally.
     */
    public static Optional<String> closest(String typo, Collection<String> candidates) {
        String needle = typo.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(needle, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        int allowed = Math.max(1, Math.min(3, needle.length() / 3));
        if (best != null && bestDistance <= allowed) {
            return Optional.of(best);
        }
        if (needle.length() < 2) {
            return Optional.empty();
        }
        Optional<String> prefix = only(candidates.stream().filter(c -> c.toLowerCase(Locale.ROOT).startsWith(needle)).toList());
        return prefix.isPresent() ? prefix
                : only(candidates.stream().filter(c -> c.toLowerCase(Locale.ROOT).contains(needle)).toList());
    }

    private static Optional<String> only(List<String> matches) {
        return matches.size() == 1 ? Optional.of(matches.get(0)) : Optional.empty();
    }

    /** Optimal string alignment distance: Levenshtein plus adjacent transpositions. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
