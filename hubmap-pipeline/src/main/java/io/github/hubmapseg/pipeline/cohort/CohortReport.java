package io.github.hubmapseg.pipeline.cohort;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What an assembled cohort holds: every unit's record in submission order, and the report text
 * ({@code OUT/report.txt}): one line per slide (size, time, Dice when known) and the totals.
 *
 * @param digest the digest every unit was predicted with
 * @param units  the records, in submission order
 */
public record CohortReport(String digest, List<UnitRecord> units) {
    /** Validates. */
    public CohortReport {
        units = List.copyOf(units);
    }

    /** @return the mean Dice over the slides that have one, or NaN */
    public double meanDice() {
        return units.stream().filter(u -> u.dice() != null).mapToDouble(UnitRecord::dice).average().orElse(Double.NaN);
    }

    /** @return the sum of the units' prediction times in seconds */
    public double seconds() {
        return units.stream().mapToDouble(UnitRecord::seconds).sum();
    }

    /** @return the slides' pixels in millions */
    public double megapixels() {
        return units.stream().mapToLong(UnitRecord::pixels).sum() / 1e6;
    }

    /** @return the report's lines */
    public List<String> lines() {
        List<String> l = new ArrayList<>();
        l.add("cohort of " + units.size() + " slides, settings digest " + digest);
        for (UnitRecord u : units) {
            l.add(String.format(Locale.ROOT, "%s: %d x %d, %.2f s%s", u.id(), u.width(), u.height(), u.seconds(),
                    u.dice() == null ? "" : String.format(Locale.ROOT, ", Dice %.4f", u.dice())));
        }
        double s = seconds();
        l.add(String.format(Locale.ROOT, "total: %.1f MP in %.1f s of prediction (%.2f MP/s, %.0f slides/hour)",
                megapixels(), s, s > 0 ? megapixels() / s : 0, s > 0 ? units.size() * 3600 / s : 0));
        long n = units.stream().filter(u -> u.dice() != null).count();
        if (n > 0) {
            l.add(String.format(Locale.ROOT, "mean Dice %.4f over %d slides with a mask", meanDice(), n));
        }
        return l;
    }
}
