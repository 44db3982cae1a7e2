package io.github.hubmapseg.tiling.sample;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Predicate;
import net.imglib2.Interval;

/**
 * A source of training tiles: full-resolution 2-D regions {@code (x, y)} (inclusive max; they may extend past
 * the image, where a reader pads with the source's fill value), yielded lazily. The same seed always gives the
 * same sequence; use the epoch number (or a hash of it) as the seed for a new draw per epoch.
 */
@FunctionalInterface
public interface TileSource {

    /** The tiles of one epoch, lazily. */
    Iterator<Interval> tiles(long seed);

    /** This source without the tiles the predicate rejects (lazy). */
    default TileSource filter(Predicate<Interval> keep) {
        TileSource self = this;
        return seed -> new Iterator<>() {
            final Iterator<Interval> it = self.tiles(seed);
            Interval next;

            @Override
            public boolean hasNext() {
                while (next == null && it.hasNext()) {
                    Interval c = it.next();
                    if (keep.test(c)) {
                        next = c;
                    }
                }
                return next != null;
            }

            @Override
            public Interval next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Interval r = next;
                next = null;
                return r;
            }
        };
    }
}
