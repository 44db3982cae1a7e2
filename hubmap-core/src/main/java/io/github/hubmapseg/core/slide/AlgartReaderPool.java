package io.github.hubmapseg.core.slide;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import net.algart.matrices.tiff.TiffIFD;
import net.algart.matrices.tiff.tiles.TiffReadMap;

/**
 * algart-tiff readers of one file, one per concurrent read: algart-tiff's reader holds one file position and a
 * tile cache and is not thread-safe, so compressed tiles used to be decoded one read at a time per open source.
 * The pool hands each reading thread its own {@link BoundedTiffReader} (the same bounded decoders and checks),
 * opening up to {@code max} of them on demand (the first is the one opened and checked by
 * {@link TiffImageSource#open}); a thread that finds them all busy waits for one. Memory: at most
 * {@code max} tile caches of {@link TiffImageSource#TILE_CACHE_BYTES}.
 */
final class AlgartReaderPool implements AutoCloseable {

    /** A reader with the read maps of the pages this source uses (indexed like {@code pageIndices}). */
    record Entry(BoundedTiffReader reader, TiffReadMap[] maps) {
    }

    private final Path file;
    private final int[] pageIndices;
    private final int max;
    private final LinkedBlockingDeque<Entry> idle = new LinkedBlockingDeque<>();
    private final List<Entry> all = new ArrayList<>();
    private boolean closed;

    /**
     * @param first       the reader opened and checked at open time, with its maps
     * @param pageIndices the TIFF page (IFD) index of each map
     * @param max         most readers opened at once, {@code >= 1}
     */
    AlgartReaderPool(Path file, Entry first, int[] pageIndices, int max) {
        this.file = file;
        this.pageIndices = pageIndices.clone();
        this.max = Math.max(1, max);
        all.add(first);
        idle.add(first);
    }

    /** A reader for this thread's read; give it back with {@link #release}. */
    Entry acquire() throws IOException {
        Entry e = idle.pollFirst();
        if (e != null) {
            return e;
        }
        synchronized (this) {
            if (closed) {
                throw new IOException(file + ": the slide is closed");
            }
            if (all.size() < max) {
                Entry fresh = open();
                all.add(fresh);
                return fresh;
            }
        }
        try {
            return idle.takeFirst();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException(file + ": interrupted while waiting for a TIFF reader", ex);
        }
    }

    /** Returns a reader taken by {@link #acquire} (most recently used first: its tile cache is warm). */
    void release(Entry e) {
        idle.addFirst(e);
    }

    /** Readers opened so far (for tests). */
    synchronized int opened() {
        return all.size();
    }

    private Entry open() throws IOException {
        BoundedTiffReader reader = null;
        try {
            reader = new BoundedTiffReader(file);
            reader.setMaxCachingMemory(TiffImageSource.TILE_CACHE_BYTES);
            reader.setByteFiller((byte) 255);
            List<TiffIFD> ifds = reader.allIFDs();
            for (int i = 0; i < ifds.size(); i++) {
                reader.registerPage(ifds.get(i), i);
            }
            TiffReadMap[] maps = new TiffReadMap[pageIndices.length];
            for (int i = 0; i < maps.length; i++) {
                if (pageIndices[i] >= ifds.size()) {
                    throw new IOException("page " + pageIndices[i] + " is gone (the file changed since it was opened?)");
                }
                maps[i] = reader.newMap(ifds.get(pageIndices[i]));
            }
            return new Entry(reader, maps);
        } catch (IOException | RuntimeException e) {
            if (reader != null) {
                try {
                    reader.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            String m = e.getMessage();
            throw new IOException(m != null && m.startsWith(file.toString()) ? m
                    : file + ": cannot open another TIFF reader for parallel decoding: " + m, e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        IOException first = null;
        for (Entry e : all) {
            try {
                e.reader().close();
            } catch (IOException ex) {
                if (first == null) {
                    first = ex;
                }
            }
        }
        idle.clear();
        if (first != null) {
            throw first;
        }
    }
}
