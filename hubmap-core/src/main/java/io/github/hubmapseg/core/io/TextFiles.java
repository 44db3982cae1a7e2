package io.github.hubmapseg.core.io;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reading UTF-8 text files the library's users hand in (CSV, YAML, JSON): a UTF-8 byte-order mark is skipped;
 * UTF-16/UTF-32 text, binary data (NUL bytes) and invalid UTF-8 are reported in one line naming the file
 * (and the line, where known) instead of Java's {@code MalformedInputException: Input length = 1}.
 */
public final class TextFiles {

    private TextFiles() {
    }

    /** A file is not UTF-8 text; the message names the file, the line (when known) and what was found. */
    public static final class NotTextException extends IOException {
        private static final long serialVersionUID = 1L;

        NotTextException(String message) {
            super(message);
        }
    }

    /**
     * Opens a UTF-8 text file for reading, after checking its first bytes: a UTF-8 BOM is skipped, a UTF-16 or
     * UTF-32 BOM or a NUL byte among the first 4096 bytes is refused. Invalid UTF-8 later in the file surfaces
     * as a {@link CharacterCodingException} from {@code read}; convert it with {@link #notText(Path,
     * CharacterCodingException)}.
     */
    public static BufferedReader reader(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        boolean ok = false;
        try {
            in.mark(4096);
            byte[] head = in.readNBytes(4096);
            in.reset();
            int skip = checkHead(file, head, head.length);
            in.skipNBytes(skip);
            CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, dec), 1 << 16);
            ok = true;
            return r;
        } finally {
            if (!ok) {
                in.close();
            }
        }
    }

    /**
     * Reads a whole UTF-8 text file (BOM skipped) of at most {@code maxBytes} bytes; errors name the file and the
     * line of the first invalid byte.
     */
    public static String readString(Path file, long maxBytes) throws IOException {
        long size = Files.size(file);
        if (size > maxBytes) {
            throw new NotTextException(file + ": " + size + " bytes, more than the " + maxBytes
                    + " bytes expected of this text file");
        }
        byte[] all = Files.readAllBytes(file);
        int skip = checkHead(file, all, Math.min(all.length, 4096));
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(all, skip, all.length - skip);
        CharBuffer out = CharBuffer.allocate(all.length);
        CoderResult r = dec.decode(in, out, true);
        if (r.isError()) {
            int pos = in.position();
            throw new NotTextException(file + " line " + lineAt(all, pos) + ": not valid UTF-8 text (byte 0x"
                    + String.format("%02x", all[pos] & 0xFF) + " at offset " + pos
                    + "); binary data or another encoding? expected UTF-8");
        }
        dec.flush(out);
        out.flip();
        String s = out.toString();
        int nul = s.indexOf('\0');
        if (nul >= 0) {
            throw new NotTextException(file + " line " + (s.substring(0, nul).chars().filter(c -> c == '\n').count()
                    + 1) + ": contains a NUL character: binary data, expected UTF-8 text");
        }
        return s;
    }

    /**
     * The one-line error for invalid UTF-8 met while reading {@code file} (a reader decodes ahead, so the file is
     * scanned again for the line and offset of the first invalid byte).
     */
    public static NotTextException notText(Path file, CharacterCodingException e) {
        long line = 1;
        long offset = 0;
        int bad = -1;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            int pending = 0; // continuation bytes still expected
            long leadOffset = 0;
            int lead = 0;
            for (int b = in.read(); b >= 0; b = in.read(), offset++) {
                boolean ok;
                if (pending > 0) {
                    ok = (b & 0xC0) == 0x80;
                    pending--;
                    if (!ok) {
                        bad = lead; // report the sequence's first byte
                        offset = leadOffset;
                        break;
                    }
                    continue;
                }
                lead = b;
                leadOffset = offset;
                if (b < 0x80) {
                    ok = true;
                } else if (b >= 0xC2 && b <= 0xDF) {
                    ok = true;
                    pending = 1;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    ok = true;
                    pending = 2;
                } else if (b >= 0xF0 && b <= 0xF4) {
                    ok = true;
                    pending = 3;
                } else {
                    ok = false;
                }
                if (!ok) {
                    bad = b;
                    break;
                }
                if (b == '\n') {
                    line++;
                }
            }
        } catch (IOException io) {
            bad = -1;
        }
        return new NotTextException(file + " line " + line + ": not valid UTF-8 text"
                + (bad >= 0 ? " (byte 0x" + String.format("%02x", bad) + " at offset " + offset + ")" : "")
                + "; binary data or another encoding? expected UTF-8");
    }

    /** The one-line error for a NUL character met at {@code line}. */
    public static NotTextException binary(Path file, long line) {
        return new NotTextException(file + (line > 0 ? " line " + line : "")
                + ": contains a NUL character: binary data, expected UTF-8 text");
    }

    /** Checks the first bytes; returns the number to skip (3 for a UTF-8 BOM). */
    private static int checkHead(Path file, byte[] head, int n) throws NotTextException {
        if (n >= 4 && (head[0] == 0 && head[1] == 0 && (head[2] & 0xFF) == 0xFE && (head[3] & 0xFF) == 0xFF
                || (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFE && head[2] == 0 && head[3] == 0)) {
            throw new NotTextException(file + ": UTF-32 text (byte-order mark); expected UTF-8 (convert it, e.g."
                    + " iconv -f UTF-32 -t UTF-8)");
        }
        if (n >= 2 && ((head[0] & 0xFF) == 0xFE && (head[1] & 0xFF) == 0xFF
                || (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFE)) {
            throw new NotTextException(file + ": UTF-16 text (byte-order mark); expected UTF-8 (convert it, e.g."
                    + " iconv -f UTF-16 -t UTF-8)");
        }
        for (int i = 0; i < n; i++) {
            if (head[i] == 0) {
                boolean utf16 = n >= 4 && (head[0] == 0) != (head[1] == 0) && (head[2] == 0) != (head[3] == 0);
                throw new NotTextException(file + " line " + lineAt(head, i) + ": contains a NUL byte at offset " + i
                        + (utf16 ? ": UTF-16 text without byte-order mark?" : ": binary data?")
                        + " expected UTF-8 text");
            }
        }
        return n >= 3 && (head[0] & 0xFF) == 0xEF && (head[1] & 0xFF) == 0xBB && (head[2] & 0xFF) == 0xBF ? 3 : 0;
    }

    private static long lineAt(byte[] b, int pos) {
        long line = 1;
        for (int i = 0; i < pos && i < b.length; i++) {
            if (b[i] == '\n') {
                line++;
            }
        }
        return line;
    }
}
