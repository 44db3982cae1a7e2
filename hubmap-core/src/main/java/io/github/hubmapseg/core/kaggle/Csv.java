package io.github.hubmapseg.core.kaggle;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimal RFC 4180 CSV: comma-separated fields, optional double quotes (with {@code ""} for a quote inside,
 * and line breaks allowed inside quotes), {@code \n} or {@code \r\n} line ends. Records carry the 1-based
 * line number where they start, for error messages.
 */
final class Csv implements java.io.Closeable {

    /** One record: its fields and the line it starts on. */
    record Row(List<String> fields, long line) {
    }

    private final BufferedReader in;
    private final Path file;
    private long line = 1;

    Csv(BufferedReader in, Path file) {
        this.in = in;
        this.file = file;
    }

    /**
     * Opens a UTF-8 CSV file ({@link io.github.hubmapseg.core.io.TextFiles#reader}: BOM skipped, UTF-16 and binary
     * files refused in one line).
     */
    static Csv open(Path file) throws IOException {
        return new Csv(io.github.hubmapseg.core.io.TextFiles.reader(file), file);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /**
     * The next record, or {@code null} at the end; blank lines are skipped. Invalid UTF-8 or a NUL character is
     * an error naming the line.
     */
    Row next() throws IOException {
        try {
            return nextRecord();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw io.github.hubmapseg.core.io.TextFiles.notText(file, e);
        }
    }

    private int read() throws IOException {
        int c = in.read();
        if (c == 0) {
            throw io.github.hubmapseg.core.io.TextFiles.binary(file, line);
        }
        return c;
    }

    private Row nextRecord() throws IOException {
        while (true) {
            int c = read();
            if (c < 0) {
                return null;
            }
            if (c == '\n') {
                line++;
                continue;
            }
            if (c == '\r') {
                continue;
            }
            long start = line;
            List<String> fields = new ArrayList<>();
            StringBuilder f = new StringBuilder();
            boolean quoted = false;
            boolean wasQuoted = false;
            while (true) {
                if (c < 0) {
                    if (quoted) {
                        throw new KaggleFormatException(file, start, "unterminated quoted field");
                    }
                    fields.add(f.toString());
                    return new Row(fields, start);
                }
                if (quoted) {
                    if (c == '"') {
                        int d = read();
                        if (d == '"') {
                            f.append('"');
                        } else {
                            quoted = false;
                            c = d;
                            continue;
                        }
                    } else {
                        if (c == '\n') {
                            line++;
                        }
                        f.append((char) c);
                    }
                } else if (c == '"') {
                    if (f.length() > 0 || wasQuoted) {
                        throw new KaggleFormatException(file, line, "unexpected quote inside unquoted field '"
                                + show(f.toString(), 60) + "'");
                    }
                    quoted = true;
                    wasQuoted = true;
                } else if (c == ',') {
                    fields.add(f.toString());
                    f.setLength(0);
                    wasQuoted = false;
                } else if (c == '\n' || c == '\r') {
                    if (c == '\r') {
                        in.mark(1);
                        if (read() != '\n') {
                            in.reset();
                        }
                    }
                    line++;
                    fields.add(f.toString());
                    return new Row(fields, start);
                } else {
                    if (wasQuoted) {
                        throw new KaggleFormatException(file, line, "text after closing quote: '" + show(String.valueOf((char) c), 8) + "'");
                    }
                    f.append((char) c);
                }
                c = read();
            }
        }
    }

    /** Index of each required column in the header, or an error naming the missing one. */
    static int[] columns(Row header, Path file, String... names) throws KaggleFormatException {
        if (header == null) {
            throw new KaggleFormatException(file, 1, "empty file, expected a header with " + String.join(",", names));
        }
        int[] idx = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            idx[i] = header.fields().indexOf(names[i]);
            if (idx[i] < 0) {
                throw new KaggleFormatException(file, header.line(), "missing column '" + names[i] + "' in header "
                        + show(header.fields().toString(), 200));
            }
        }
        return idx;
    }

    /** Field {@code i} of a row, or an error if the row is too short. */
    static String field(Row row, int i, Path file, int expected) throws KaggleFormatException {
        if (i >= row.fields().size()) {
            throw new KaggleFormatException(file, row.line(), "expected " + expected + " fields, got "
                    + row.fields().size() + ": " + show(row.fields().toString(), 60));
        }
        return row.fields().get(i);
    }

    /**
     * A value for an error message: control characters escaped (a quoted field may hold a line break; messages
     * stay on one line), at most {@code max} characters.
     */
    static String show(String s, int max) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 8);
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F || c == 0x2028 || c == 0x2029 || c == 0x85) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        if (b.length() >= max && s.length() > max) {
            b.setLength(max - 3);
            b.append("...");
        }
        return b.toString();
    }

    /** Writes one record, quoting fields that need it. */
    static void write(Writer out, String... fields) throws IOException {
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(quote(fields[i]));
        }
        out.write('\n');
    }

    static String quote(String s) {
        if (s == null) {
            return "";
        }
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
