package io.github.hubmapseg.core.rle;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.hubmapseg.core.conformance.CaseResult;
import io.github.hubmapseg.core.conformance.ConformanceCheck;
import io.github.hubmapseg.core.conformance.ConformanceJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Conformance check for kind {@code rle} ({@code conformance/rle.json}): {@code cases} must encode
 * exactly to {@code rle} (whole-mask and band-wise) and decode to {@code mask}; {@code decode_only} strings
 * must decode to {@code mask} and re-encode to {@code canonical_rle}; {@code invalid} strings must be
 * rejected with an {@link IllegalArgumentException}. Exact comparisons: the difference is the number of
 * differing pixels (0 when passed).
 */
public final class RleConformanceCheck implements ConformanceCheck {

    @Override
    public Set<String> kinds() {
        return Set.of("rle");
    }

    @Override
    public List<CaseResult> run(JsonNode file) {
        List<CaseResult> out = new ArrayList<>();
        for (JsonNode c : iter(file, "cases")) {
            out.add(safe(ConformanceJson.id(c), () -> encodeCase(c)));
        }
        for (JsonNode c : iter(file, "decode_only")) {
            out.add(safe("decode_only/" + ConformanceJson.id(c), () -> decodeOnlyCase(c)));
        }
        for (JsonNode c : iter(file, "invalid")) {
            out.add(invalidCase(c));
        }
        return out;
    }

    private static Iterable<JsonNode> iter(JsonNode file, String section) {
        JsonNode a = file.get(section);
        return a == null || !a.isArray() ? List.of() : a;
    }

    private interface CaseBody {
        CaseResult run();
    }

    private static CaseResult safe(String id, CaseBody body) {
        try {
            CaseResult r = body.run();
            return r.passed() ? CaseResult.pass(id, r.maxDifference())
                    : CaseResult.fail(id, r.maxDifference(), r.detail());
        } catch (RuntimeException e) {
            return CaseResult.fail(id, Double.NaN, "threw " + e);
        }
    }

    private static CaseResult encodeCase(JsonNode c) {
        int h = ConformanceJson.intField(c, "height");
        int w = ConformanceJson.intField(c, "width");
        byte[] mask = ConformanceJson.mask(c.get("mask"), h, w);
        String expected = c.get("rle").asText();
        String got = Rle.encode(mask, h, w);
        if (!got.equals(expected)) {
            return CaseResult.fail("", Double.NaN, "encode gave '" + abbrev(got) + "', expected '" + abbrev(expected) + "'");
        }
        RleEncoder enc = Rle.encoder(h, w);
        for (int y = 0; y < h; y++) {
            enc.addRows(mask, y * w, 1);
        }
        String banded = enc.finish().toRle();
        if (!banded.equals(expected)) {
            return CaseResult.fail("", Double.NaN, "row-by-row encode gave '" + abbrev(banded) + "'");
        }
        long diff = differing(Rle.decode(expected, h, w), mask);
        return diff == 0 ? CaseResult.pass("", 0) : CaseResult.fail("", diff, diff + " pixels differ after decode");
    }

    private static CaseResult decodeOnlyCase(JsonNode c) {
        int h = ConformanceJson.intField(c, "height");
        int w = ConformanceJson.intField(c, "width");
        byte[] mask = ConformanceJson.mask(c.get("mask"), h, w);
        byte[] got = Rle.decode(c.get("rle").asText(), h, w);
        long diff = differing(got, mask);
        if (diff != 0) {
            return CaseResult.fail("", diff, diff + " pixels differ after decode");
        }
        String canonical = c.get("canonical_rle").asText();
        String re = Rle.parse(c.get("rle").asText(), h, w).toRle();
        if (!re.equals(canonical) || !Rle.encode(got, h, w).equals(canonical)) {
            return CaseResult.fail("", Double.NaN, "re-encoding gave '" + abbrev(re) + "', expected '" + canonical + "'");
        }
        return CaseResult.pass("", 0);
    }

    private static CaseResult invalidCase(JsonNode c) {
        String id = "invalid/" + ConformanceJson.id(c);
        String rle = c.get("rle").asText();
        try {
            int h = ConformanceJson.intField(c, "height");
            int w = ConformanceJson.intField(c, "width");
            byte[] m = Rle.decode(rle, h, w);
            return CaseResult.fail(id, Double.NaN, "'" + rle + "' was accepted (decoded to "
                    + count(m) + " foreground pixels), expected an error");
        } catch (IllegalArgumentException e) {
            return CaseResult.pass(id, 0);
        } catch (RuntimeException e) {
            return CaseResult.fail(id, Double.NaN, "threw " + e + " instead of IllegalArgumentException");
        }
    }

    private static int count(byte[] m) {
        int n = 0;
        for (byte b : m) {
            n += b != 0 ? 1 : 0;
        }
        return n;
    }

    private static long differing(byte[] a, byte[] b) {
        long d = 0;
        for (int i = 0; i < a.length; i++) {
            if ((a[i] != 0) != (b[i] != 0)) {
                d++;
            }
        }
        return d;
    }

    private static String abbrev(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
