package io.github.hubmapseg.core.conformance;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Decoders for the value encodings of the conformance schema: masks as lists of {@code '0'/'1'} strings
 * (row-major, string r is row r), float images as nested {@code [H][W]} arrays, tensors as {@code [B][H][W]}.
 * Floats are parsed with {@link Double#parseDouble}, which gives back the reference's float64 exactly.
 */
public final class ConformanceJson {

    private ConformanceJson() {
    }

    /** A mask as a row-major {@code byte[H*W]} of 0/1. */
    public static byte[] mask(JsonNode rows, int height, int width) {
        if (rows == null || !rows.isArray() || rows.size() != height) {
            throw new IllegalArgumentException("mask must be a list of " + height + " strings, got " + rows);
        }
        byte[] m = new byte[height * width];
        for (int y = 0; y < height; y++) {
            String s = rows.get(y).asText();
            if (s.length() != width) {
                throw new IllegalArgumentException("mask row " + y + " must have " + width + " chars, got " + s.length());
            }
            for (int x = 0; x < width; x++) {
                char ch = s.charAt(x);
                if (ch < '0' || ch > '9') {
                    throw new IllegalArgumentException("mask row " + y + " col " + x + ": expected a digit, got '" + ch + "'");
                }
                m[y * width + x] = (byte) (ch - '0');
            }
        }
        return m;
    }

    /** A nested {@code [H][W]} float array as a row-major {@code double[H*W]}. */
    public static double[] image(JsonNode rows, int height, int width) {
        if (rows == null || !rows.isArray() || rows.size() != height) {
            throw new IllegalArgumentException("image must have " + height + " rows, got " + (rows == null ? null : rows.size()));
        }
        double[] out = new double[height * width];
        for (int y = 0; y < height; y++) {
            JsonNode r = rows.get(y);
            if (r.size() != width) {
                throw new IllegalArgumentException("image row " + y + " must have " + width + " values, got " + r.size());
            }
            for (int x = 0; x < width; x++) {
                out[y * width + x] = number(r.get(x));
            }
        }
        return out;
    }

    /** A nested {@code [B][H][W]} array as a flat {@code double[B*H*W]}. */
    public static double[] tensor3(JsonNode t, int b, int h, int w) {
        double[] out = new double[b * h * w];
        for (int i = 0; i < b; i++) {
            double[] img = image(t.get(i), h, w);
            System.arraycopy(img, 0, out, i * h * w, h * w);
        }
        return out;
    }

    /** A JSON number (or a numeric string such as "NaN"/"Infinity") as a double. */
    public static double number(JsonNode n) {
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException("expected a number, got null");
        }
        if (n.isNumber()) {
            return n.isIntegralNumber() ? n.asLong() : Double.parseDouble(n.asText());
        }
        return Double.parseDouble(n.asText());
    }

    /** A required integer field. */
    public static int intField(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException("field '" + field + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    /** The case id, or "?" if absent. */
    public static String id(JsonNode c) {
        JsonNode v = c.get("id");
        return v == null ? "?" : v.asText();
    }
}
