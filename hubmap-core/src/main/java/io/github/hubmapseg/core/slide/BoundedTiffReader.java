package io.github.hubmapseg.core.slide;

import java.io.IOException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import net.algart.matrices.tiff.TiffException;
import net.algart.matrices.tiff.TiffIFD;
import net.algart.matrices.tiff.TiffReader;
import net.algart.matrices.tiff.codecs.TiffCodec;
import net.algart.matrices.tiff.tags.TagCompression;
import net.algart.matrices.tiff.tiles.TiffTile;
import net.algart.matrices.tiff.tiles.TiffTileIndex;

/**
 * algart-tiff's reader with this package's decoders ({@link BoundedDecoding}) for deflate, LZW and PackBits,
 * and a structural check before JPEG: a tile or strip never decodes to more bytes than the header declares
 * (algart-tiff's own inflater grows its buffer without a cap: a 6 MB tile inflating to 6 GB ended in
 * {@link OutOfMemoryError}), and corrupt or short data is an error naming the file, page and block instead of
 * flat or garbage pixels.
 */
final class BoundedTiffReader extends TiffReader {

    private final Path file;
    private final Map<TiffIFD, Integer> pageOf = new IdentityHashMap<>();

    BoundedTiffReader(Path file) throws IOException {
        super(file);
        this.file = file;
        setEnforceUseExternalCodec(true);
    }

    /** Names {@code ifd} page {@code index} in error messages. */
    synchronized void registerPage(TiffIFD ifd, int index) {
        pageOf.put(ifd, index);
    }

    private synchronized String where(TiffTile tile) {
        TiffTileIndex i = tile.index();
        Integer page = pageOf.get(tile.ifd());
        boolean tiled;
        try {
            tiled = tile.ifd().hasTileInformation();
        } catch (TiffException e) {
            tiled = true;
        }
        String block = tiled ? "tile (" + i.xIndex() + ", " + i.yIndex() + ")" : "strip " + i.yIndex();
        return file + " (page " + (page == null ? "?" : page) + "): " + block
                + (tile.isPlanarSeparated() ? " of plane " + i.separatedPlaneIndex() : "");
    }

    /** Decodes like algart-tiff; its errors (checks before and after our decoders) are prefixed with the block. */
    @Override
    public boolean decode(TiffTile tile) throws TiffException {
        try {
            return super.decode(tile);
        } catch (TiffException e) {
            String m = e.getMessage();
            if (m != null && m.startsWith(file.toString())) {
                throw e;
            }
            throw new TiffException(where(tile) + ": " + m, e);
        } catch (RuntimeException e) {
            throw new TiffException(where(tile) + ": cannot decode (corrupt?): " + e, e);
        }
    }

    @Override
    protected Optional<byte[]> decodeByExternalCodec(TiffTile tile, byte[] encoded, TiffCodec.Options options)
            throws TiffException {
        int cap = tile.getSizeInBytes();
        int code = tile.compressionCode();
        try {
            BoundedDecoding.Decoded d;
            switch (code) {
                case 1 -> d = new BoundedDecoding.Decoded(encoded, encoded.length);
                case 8, 32946 -> d = BoundedDecoding.inflate(encoded, cap);
                case 5 -> d = BoundedDecoding.lzw(encoded, cap);
                case 32773 -> d = BoundedDecoding.unpackBits(encoded, cap);
                case 7 -> {
                    BoundedDecoding.checkJpeg(encoded, tile.getSizeX(), tile.getSizeY());
                    TiffCodec codec = TagCompression.JPEG.codec();
                    try {
                        byte[] out = codec.decompress(encoded, options);
                        if (out == null) {
                            throw new BoundedDecoding.CorruptBlockException("the JPEG decoder returned no image");
                        }
                        return Optional.of(out);
                    } catch (TiffException | RuntimeException e) {
                        throw new BoundedDecoding.CorruptBlockException("invalid JPEG data: " + e.getMessage());
                    }
                }
                default -> throw new TiffException(where(tile) + ": compression " + code + " is not supported");
            }
            int need = Math.min(cap, tile.getSizeInBytesInsideTIFF());
            if (d.length() < need) {
                throw new BoundedDecoding.CorruptBlockException(encoded.length + " compressed bytes decode to "
                        + d.length() + " bytes, the header declares " + need + " (truncated or corrupt)");
            }
            byte[] out = d.data();
            return Optional.of(out.length == d.length() ? out : java.util.Arrays.copyOf(out, d.length()));
        } catch (BoundedDecoding.CorruptBlockException e) {
            throw new TiffException(where(tile) + ": " + e.getMessage());
        }
    }
}
