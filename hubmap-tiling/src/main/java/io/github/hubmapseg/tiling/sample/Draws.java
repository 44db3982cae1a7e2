package io.github.hubmapseg.tiling.sample;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.LongFunction;
import net.imglib2.Interval;

/** The one home of the tile sources' lazy epoch: a fixed number of tiles, each made (drawn) when it is asked for. */
final class Draws {
    private Draws() {
    }

    /**
     * @param count how many tiles
     * @param draw draws tile {@code i} (called exactly once per {@link Iterator#next()}, for i = 0, 1, ...)
     * @return the lazy iterator
     */
    static Iterator<Interval> of(long count, LongFunction<Interval> draw) {
        return new Iterator<>() {
            private long i;

            @Override
            public boolean hasNext() {
                return i < count;
            }

            @Override
            public Interval next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return draw.apply(i++);
            }
        };
    }
}
