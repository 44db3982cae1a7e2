package io.github.hubmapseg.core.slide;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.algart.matrices.tiff.TiffIFD;
import net.algart.matrices.tiff.tiles.TiffReadMap;

/**
 * An {@link ImageSource} over an 8-bit TIFF or BigTIFF slide, read region by region.
 *
 * <p>Layouts: interleaved RGB (PlanarConfiguration 1) and planar {@code (3, H, W)} (PlanarConfiguration 2),
 * tiled and stripped, classic TIFF and BigTIFF, little- and big-endian, compression none, LZW, deflate,
 * PackBits and JPEG; one-channel (gray) images. The image is the first page (IFD). When the first page has
 * one sample and is followed by pages of the same size, the first 3 or 4 such pages are the channels: this
 * is how an OME-TIFF of shape {@code (1, 1, 3, H, W)} stores RGB (tifffile writes that shape without OME
 * metadata as one planar page, which is the planar case).
 *
 * <p>The reader is chosen per page, never by the caller: uncompressed pages (stripped or tiled) are read by a
 * seeking reader that reads only the bytes of the rows a region needs, for any strip size (a whole slide in
 * one multi-GB strip included); compressed pages are read by algart-tiff, which decodes only the tiles or
 * strips the region touches. algart-tiff cannot decode a tile or strip of 256 MB (2^31 bits) or more:
 * such compressed files are refused when opened, with a message naming the limit.
 *
 * <p>Padding: the parts of a region outside the image are filled with {@link #fillValue()} (255, white).
 *
 * <p>Memory: besides the returned image, a read holds at most the decoded tiles/strips it touches (algart-tiff,
 * plus a tile cache of at most {@link #TILE_CACHE_BYTES} per reader of the pool) or a 1 MB row buffer
 * (uncompressed pages).
 *
 * <p>Thread-safety: reads may be called from several threads, and run concurrently. Uncompressed pages are
 * read with positional reads of one {@link FileChannel}; pages served by algart-tiff are read by a pool of
 * algart-tiff readers of the file, one per concurrent read (up to the number of processors, opened on
 * demand), so compressed tiles are decoded on as many cores as there are reading threads.
 */
final class TiffImageSource extends AbstractImageSource {

    /** Size of algart-tiff's decoded-tile cache per open file (neighbouring regions share tiles). */
    public static final long TILE_CACHE_BYTES = 8L << 20;

    private final Path file;
    private final AlgartReaderPool algart;
    private final FileChannel channel;
    private final List<TiffPageReader> pages;
    private final int[] firstChannel;
    private final long width;
    private final long height;
    private final int channels;
    private final SlideInfo info;
    private final int blockWidthHint;
    private final int blockHeightHint;

    private TiffImageSource(Path file, AlgartReaderPool algart, FileChannel channel, List<TiffPageReader> pages,
                            long width, long height, SlideInfo info, int[] blockHint) {
        this.file = file;
        this.algart = algart;
        this.channel = channel;
        this.pages = List.copyOf(pages);
        this.firstChannel = new int[pages.size()];
        int c = 0;
        for (int i = 0; i < pages.size(); i++) {
            firstChannel[i] = c;
            c += pages.get(i).channels();
        }
        this.channels = c;
        this.width = width;
        this.height = height;
        this.info = info;
        this.blockWidthHint = blockHint[0];
        this.blockHeightHint = blockHint[1];
    }

    /**
     * Opens a TIFF slide. Reads only the file's directories; pixels are read by {@link #read}.
     *
     * @param file a TIFF or BigTIFF file
     * @return the open source; close it
     * @throws NoSuchFileException if the file does not exist
     * @throws IOException if it is not a TIFF, is truncated, or uses a layout this reader does not support;
     *                     the message names the file and what is wrong
     */
    public static TiffImageSource open(Path file) throws IOException {
        return open(file, ImageSources.maxPixels());
    }

    /**
     * Opens a TIFF slide whose first page has at most {@code maxPixels} pixels.
     *
     * @throws IOException also if the slide has more than {@code maxPixels} pixels
     */
    public static TiffImageSource open(Path file, long maxPixels) throws IOException {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1, got " + maxPixels);
        }
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file");
        }
        checkMagic(file);
        BoundedTiffReader reader;
        try {
            reader = new BoundedTiffReader(file);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot read the TIFF structure (truncated or corrupt?): "
                    + e.getMessage(), e);
        }
        FileChannel channel = null;
        boolean ok = false;
        try {
            reader.setMaxCachingMemory(TILE_CACHE_BYTES);
            reader.setByteFiller((byte) 255);
            List<TiffIFD> ifds;
            try {
                ifds = reader.allIFDs();
            } catch (IOException | RuntimeException e) {
                throw new IOException(file + ": cannot read the TIFF directories (truncated or corrupt?): "
                        + e.getMessage(), e);
            }
            if (ifds.isEmpty()) {
                throw new IOException(file + ": the TIFF has no image (no IFD)");
            }
            for (int i = 0; i < ifds.size(); i++) {
                reader.registerPage(ifds.get(i), i);
            }
            List<TiffPage> used = new ArrayList<>();
            checkPixels(file, ifds.get(0), maxPixels);
            TiffPage first = TiffPage.of(file, 0, ifds.get(0));
            used.add(first);
            if (first.samples() == 1) {
                List<TiffPage> run = new ArrayList<>(used);
                for (int i = 1; i < ifds.size() && run.size() < 4; i++) {
                    TiffPage p;
                    try {
                        p = TiffPage.of(file, i, ifds.get(i));
                    } catch (IOException e) {
                        break;
                    }
                    if (!p.sameShape(first)) {
                        break;
                    }
                    run.add(p);
                }
                if (run.size() >= 3) {
                    used = run;
                }
            }
            List<TiffPageReader> readers = new ArrayList<>();
            List<TiffReadMap> algartMaps = new ArrayList<>();
            List<Integer> algartPages = new ArrayList<>();
            List<Integer> algartSlots = new ArrayList<>();
            int[] blockHint = {0, 0};
            boolean usesAlgart = false;
            boolean usesDirect = false;
            for (TiffPage p : used) {
                if (p.uncompressed()) {
                    if (channel == null) {
                        channel = FileChannel.open(file, StandardOpenOption.READ);
                    }
                    readers.add(new UncompressedPageReader(file, channel, p));
                    usesDirect = true;
                } else {
                    if (p.decodedBlockBytes() >= TiffPage.ALGART_MAX_BLOCK_BYTES) {
                        throw new IOException(String.format(Locale.ROOT,
                                "%s (page %d): %s %s of %d x %d x %d = %d bytes decoded is at or above the"
                                        + " limit of 256 MB (2^31 bits) per tile or strip of the algart-tiff"
                                        + " decoder; only uncompressed strips can be that large here"
                                        + " (rewrite the file tiled, e.g. tifffile tile=(512, 512))",
                                file, p.index(), TiffPage.compressionName(p.compression()),
                                p.tiled() ? "tiles" : "strips", p.blockWidth(), p.blockHeight(),
                                p.planar() ? 1 : p.samples(), p.decodedBlockBytes()));
                    }
                    p.checkBlocksInside(file, Files.size(file));
                    try {
                        algartMaps.add(reader.newMap(ifds.get(p.index())));
                        algartPages.add(p.index());
                        algartSlots.add(readers.size());
                        readers.add(null); // an AlgartPageReader, once the pool exists
                    } catch (IOException | RuntimeException e) {
                        throw new IOException(file + " (page " + p.index() + "): algart-tiff cannot read it: "
                                + e.getMessage(), e);
                    }
                    if (!usesAlgart) {
                        blockHint = new int[] {p.blockWidth(), p.blockHeight()};
                    }
                    usesAlgart = true;
                }
            }
            AlgartReaderPool pool = null;
            if (usesAlgart) {
                pool = new AlgartReaderPool(file, new AlgartReaderPool.Entry(reader,
                        algartMaps.toArray(new TiffReadMap[0])),
                        algartPages.stream().mapToInt(Integer::intValue).toArray(),
                        Runtime.getRuntime().availableProcessors());
                for (int i = 0; i < algartSlots.size(); i++) {
                    readers.set(algartSlots.get(i), new AlgartPageReader(pool, i, algartMaps.get(i).numberOfChannels()));
                }
            }
            String readerName = usesAlgart && usesDirect ? "algart-tiff + uncompressed"
                    : usesAlgart ? "algart-tiff" : "uncompressed";
            if (used.size() > 1) {
                readerName += " (" + used.size() + " pages as channels)";
            }
            int channels = readers.stream().mapToInt(TiffPageReader::channels).sum();
            SlideInfo info = new SlideInfo(first.width(), first.height(), channels, 8,
                    first.planar() || used.size() > 1, first.tiled(), first.blockWidth(), first.blockHeight(),
                    TiffPage.compressionName(first.compression()), reader.isBigTiff(), readerName);
            TiffImageSource source = new TiffImageSource(file, pool, channel, readers, first.width(),
                    first.height(), info, blockHint);
            if (!usesAlgart) {
                reader.close();
            }
            ok = true;
            return source;
        } finally {
            if (!ok) {
                closeQuietly(reader, channel);
            }
        }
    }

    /** Refuses a first page of more than {@code maxPixels} pixels, before anything is sized from its header. */
    private static void checkPixels(Path file, TiffIFD ifd, long maxPixels) throws IOException {
        long w = ifd.optLong(net.algart.matrices.tiff.tags.Tags.IMAGE_WIDTH, 0);
        long h = ifd.optLong(net.algart.matrices.tiff.tags.Tags.IMAGE_LENGTH, 0);
        long pixels = w > 0 && h > 0 ? Math.multiplyHigh(w, h) == 0 ? w * h : Long.MAX_VALUE : 0;
        if (pixels > maxPixels || pixels < 0) {
            throw new IOException(String.format(Locale.ROOT, "%s: %d x %d = %s pixels is more than the limit of"
                    + " %d pixels per slide (raise it with -D%s=N or ImageSources.open(file, maxPixels))",
                    file, w, h, pixels == Long.MAX_VALUE ? "more than 2^63" : Long.toString(pixels), maxPixels,
                    ImageSources.MAX_PIXELS_PROPERTY));
        }
    }

    private static void closeQuietly(AutoCloseable... cs) {
        for (AutoCloseable c : cs) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // already failing
                }
            }
        }
    }

    private static void checkMagic(Path file) throws IOException {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        }
        boolean ii = n == 4 && head[0] == 'I' && head[1] == 'I' && head[3] == 0 && (head[2] == 42 || head[2] == 43);
        boolean mm = n == 4 && head[0] == 'M' && head[1] == 'M' && head[2] == 0 && (head[3] == 42 || head[3] == 43);
        if (!ii && !mm) {
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < n; i++) {
                hex.append(String.format(Locale.ROOT, "%02x", head[i] & 0xFF));
            }
            throw new IOException(file + ": not a TIFF file (expected the header II*\\0, MM\\0*, II+\\0 or MM\\0+, found "
                    + (n == 0 ? "an empty file" : "bytes 0x" + hex) + ")");
        }
    }

    /** The pool of algart-tiff readers, {@code null} when every page is uncompressed (for tests). */
    AlgartReaderPool readerPool() {
        return algart;
    }

    /** The file this source reads. */
    public Path file() {
        return file;
    }

    @Override
    public long width() {
        return width;
    }

    @Override
    public long height() {
        return height;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public SlideInfo info() {
        return info;
    }

    /** The tile (or strip) width of the first page decoded by algart-tiff, 0 when every page is uncompressed. */
    @Override
    protected int blockWidthHint() {
        return blockWidthHint;
    }

    @Override
    protected int blockHeightHint() {
        return blockHeightHint;
    }

    /** One uncompressed page with interleaved pixels: its rows are copied as stored (no deinterleaving). */
    @Override
    public boolean readsInterleaved() {
        return pages.size() == 1 && pages.get(0) instanceof UncompressedPageReader u && u.interleaved();
    }

    @Override
    protected void readValidInterleaved(long x, long y, int w, int h, byte[] dst, int rowStride, int ox, int oy)
            throws IOException {
        if (!readsInterleaved()) {
            throw new UnsupportedOperationException(this + " does not read interleaved rows");
        }
        UncompressedPageReader page = (UncompressedPageReader) pages.get(0);
        guarded(x, y, w, h, () -> page.readInterleaved((int) x, (int) y, w, h, dst, rowStride, ox, oy));
    }

    @Override
    protected void readValid(long x, long y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox, int oy)
            throws IOException {
        for (int i = 0; i < pages.size(); i++) {
            TiffPageReader page = pages.get(i);
            int c0 = firstChannel[i];
            guarded(x, y, w, h, () -> page.read((int) x, (int) y, w, h, dst, dstWidth, dstHeight, ox, oy, c0));
        }
    }

    private interface Read {
        void run() throws IOException;
    }

    /** Runs a read of a region; a failure whose message does not name the file is wrapped in one that does. */
    private void guarded(long x, long y, int w, int h, Read read) throws IOException {
        try {
            read.run();
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage();
            if (msg != null && msg.startsWith(file.toString())) {
                throw e;
            }
            throw new IOException(file + ": cannot read region x=" + x + " y=" + y + " " + w + " x " + h
                    + " (truncated or corrupt?): " + msg, e);
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (AutoCloseable c : new AutoCloseable[] {algart, channel}) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof IOException io ? io : new IOException(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "TiffImageSource[" + file + ", " + width + " x " + height + " x " + channels + ", " + info.reader()
                + "]";
    }
}
