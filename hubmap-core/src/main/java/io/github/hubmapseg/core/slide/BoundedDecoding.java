package io.github.hubmapseg.core.slide;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decoders of TIFF tile/strip data that never produce more bytes than the header declares: deflate (zlib),
 * LZW (TIFF 6.0, MSB-first with early change) and PackBits, plus a structural check of a JPEG stream. Each
 * decodes into an array of exactly {@code cap} bytes allocated up front and stops with a
 * {@link CorruptBlockException} as soon as the data would decode to more (a decompression bomb), is truncated
 * or is invalid. Stateless static helpers; the caller names the file, page and block in the final message.
 */
final class BoundedDecoding {

    private BoundedDecoding() {
    }

    /** The compressed data of one block is invalid; the message says what, without the block's name. */
    static final class CorruptBlockException extends Exception {
        private static final long serialVersionUID = 1L;

        CorruptBlockException(String message) {
            super(message);
        }
    }

    /** Result of a decoder: the output array and the number of bytes decoded into it. */
    record Decoded(byte[] data, int length) {
    }

    /**
     * Inflates a zlib (or raw-deflate-in-zlib) stream into at most {@code cap} bytes.
     *
     * @throws CorruptBlockException if the stream is invalid, ends early, or holds more than {@code cap} bytes
     */
    static Decoded inflate(byte[] in, int cap) throws CorruptBlockException {
        Inflater inf = new Inflater();
        try {
            inf.setInput(in);
            byte[] out = new byte[cap];
            int n = 0;
            while (n < cap && !inf.finished()) {
                int k = inf.inflate(out, n, cap - n);
                n += k;
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new CorruptBlockException("deflate data ends early (" + in.length + " compressed bytes"
                            + " decode to " + n + " of " + cap + " bytes; truncated?)");
                }
            }
            if (!inf.finished()) {
                byte[] probe = new byte[1];
                if (inf.inflate(probe) > 0) {
                    throw new CorruptBlockException("deflate data decodes to more than the " + cap
                            + " bytes the header declares (decompression bomb?)");
                }
            }
            return new Decoded(out, n);
        } catch (DataFormatException e) {
            throw new CorruptBlockException("invalid deflate data: " + e.getMessage());
        } finally {
            inf.end();
        }
    }

    /**
     * Unpacks PackBits into at most {@code cap} bytes (like libtiff, decoding stops when {@code cap} bytes are
     * produced; a run that would cross it is an error).
     */
    static Decoded unpackBits(byte[] in, int cap) throws CorruptBlockException {
        byte[] out = new byte[cap];
        int n = 0;
        int i = 0;
        while (i < in.length && n < cap) {
            int h = in[i++];
            if (h >= 0) {
                int len = h + 1;
                if (i + len > in.length) {
                    throw new CorruptBlockException("PackBits literal run of " + len + " bytes at byte " + (i - 1)
                            + " goes past the end of the data (" + in.length + " bytes)");
                }
                if (n + len > cap) {
                    throw new CorruptBlockException("PackBits data decodes to more than the " + cap
                            + " bytes the header declares");
                }
                System.arraycopy(in, i, out, n, len);
                i += len;
                n += len;
            } else if (h != -128) {
                int len = 1 - h;
                if (i >= in.length) {
                    throw new CorruptBlockException("PackBits repeat run at byte " + (i - 1) + " has no value byte");
                }
                if (n + len > cap) {
                    throw new CorruptBlockException("PackBits data decodes to more than the " + cap
                            + " bytes the header declares");
                }
                java.util.Arrays.fill(out, n, n + len, in[i++]);
                n += len;
            }
        }
        while (i < in.length && in[i] == -128) {
            i++; // no-op headers
        }
        if (i < in.length) {
            throw new CorruptBlockException("PackBits data decodes to more than the " + cap
                    + " bytes the header declares (" + (in.length - i) + " bytes left)");
        }
        return new Decoded(out, n);
    }

    private static final int CLEAR = 256;
    private static final int EOI = 257;

    /** Decodes TIFF LZW (MSB-first codes, 9 to 12 bits, early change) into at most {@code cap} bytes. */
    static Decoded lzw(byte[] in, int cap) throws CorruptBlockException {
        if (in.length >= 2 && in[0] == 0 && (in[1] & 1) == 1) {
            throw new CorruptBlockException("old-style (LSB-first, pre-TIFF 6.0) LZW is not supported");
        }
        byte[] out = new byte[cap];
        int[] prefix = new int[4096];
        byte[] suffix = new byte[4096];
        byte[] first = new byte[4096];
        int[] length = new int[4096];
        for (int i = 0; i < 256; i++) {
            suffix[i] = (byte) i;
            first[i] = (byte) i;
            length[i] = 1;
        }
        int next = 258;
        int width = 9;
        int old = -1;
        int n = 0;
        long bitPos = 0;
        long totalBits = (long) in.length * 8;
        while (bitPos + width <= totalBits) {
            int code = 0;
            for (int b = 0; b < width; b++, bitPos++) {
                code = (code << 1) | ((in[(int) (bitPos >>> 3)] >> (7 - (int) (bitPos & 7))) & 1);
            }
            if (code == EOI) {
                return new Decoded(out, n);
            }
            if (code == CLEAR) {
                next = 258;
                width = 9;
                old = -1;
                continue;
            }
            int len;
            if (old < 0) {
                if (code > 255) {
                    throw new CorruptBlockException("invalid LZW code " + code + " after a clear code at bit "
                            + (bitPos - width));
                }
                len = 1;
                if (n + len > cap) {
                    throw lzwTooLong(cap);
                }
                out[n] = (byte) code;
            } else {
                if (code > next || code == next && next >= 4096) {
                    throw new CorruptBlockException("invalid LZW code " + code + " at bit " + (bitPos - width)
                            + " (table holds " + next + " codes)");
                }
                boolean known = code < next;
                len = known ? length[code] : length[old] + 1;
                if (n + len > cap) {
                    throw lzwTooLong(cap);
                }
                int c = known ? code : old;
                int p = n + (known ? len : len - 1) - 1;
                while (c >= 0 && p >= n) {
                    out[p--] = suffix[c];
                    c = c < 256 ? -1 : prefix[c];
                }
                if (!known) {
                    out[n + len - 1] = first[old];
                }
                if (next < 4096) {
                    prefix[next] = old;
                    suffix[next] = known ? first[code] : first[old];
                    first[next] = first[old];
                    length[next] = length[old] + 1;
                    next++;
                }
            }
            n += len;
            old = code;
            if (next + 1 >= (1 << width) && width < 12) {
                width++;
            }
        }
        return new Decoded(out, n); // no EOI code: libtiff accepts this, so do we, if the size is right
    }

    private static CorruptBlockException lzwTooLong(int cap) {
        return new CorruptBlockException("LZW data decodes to more than the " + cap
                + " bytes the header declares (decompression bomb?)");
    }

    /**
     * Checks the structure of a JPEG stream before it is decoded: starts with SOI, a frame header (SOF) whose
     * size does not exceed the block's, ends with EOI. Entropy-coded data cannot be checked (JPEG has no
     * checksum).
     */
    static void checkJpeg(byte[] in, int maxWidth, int maxHeight) throws CorruptBlockException {
        if (in.length < 4 || (in[0] & 0xFF) != 0xFF || (in[1] & 0xFF) != 0xD8) {
            throw new CorruptBlockException("not a JPEG stream (no start-of-image marker FFD8, found "
                    + (in.length < 2 ? in.length + " bytes" : String.format("%02X%02X", in[0] & 0xFF, in[1] & 0xFF))
                    + ")");
        }
        int i = 2;
        boolean sof = false;
        while (i + 4 <= in.length) {
            if ((in[i] & 0xFF) != 0xFF) {
                throw new CorruptBlockException("JPEG marker expected at byte " + i + ", found "
                        + String.format("%02X", in[i] & 0xFF));
            }
            int m = in[i + 1] & 0xFF;
            if (m == 0xFF) {
                i++;
                continue;
            }
            if (m == 0xD9) {
                break;
            }
            int segLen = ((in[i + 2] & 0xFF) << 8) | (in[i + 3] & 0xFF);
            if (segLen < 2 || i + 2 + segLen > in.length) {
                throw new CorruptBlockException("JPEG segment " + String.format("%02X", m) + " at byte " + i
                        + " has length " + segLen + " past the end of the data (" + in.length + " bytes)");
            }
            boolean isSof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
            if (isSof) {
                if (segLen < 8) {
                    throw new CorruptBlockException("JPEG frame header too short: " + segLen + " bytes");
                }
                int h = ((in[i + 5] & 0xFF) << 8) | (in[i + 6] & 0xFF);
                int w = ((in[i + 7] & 0xFF) << 8) | (in[i + 8] & 0xFF);
                if (w > maxWidth || h > maxHeight || w == 0) {
                    throw new CorruptBlockException("JPEG frame is " + w + " x " + h + ", larger than the "
                            + maxWidth + " x " + maxHeight + " block the header declares");
                }
                sof = true;
            }
            if (m == 0xDA) {
                break; // entropy-coded data follows
            }
            i += 2 + segLen;
        }
        if (!sof) {
            throw new CorruptBlockException("JPEG stream has no frame header (SOF) before its scan");
        }
        boolean eoi = false;
        for (int k = in.length - 2; k >= Math.max(2, in.length - 64); k--) {
            if ((in[k] & 0xFF) == 0xFF && (in[k + 1] & 0xFF) == 0xD9) {
                eoi = true;
                break;
            }
        }
        if (!eoi) {
            throw new CorruptBlockException("JPEG stream has no end-of-image marker FFD9 (truncated?)");
        }
    }
}
