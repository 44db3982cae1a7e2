package io.github.hubmapseg.core.geom;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.github.hubmapseg.core.io.AtomicFiles;
import io.github.hubmapseg.core.kaggle.Polygon;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;

/**
 * Streams objects into a GeoJSON {@code FeatureCollection} that QuPath imports (File &gt; Object data &gt; Import,
 * or drag and drop), one {@code Feature} per object as it arrives, so a slide's objects never have to be held
 * together. Each feature has QuPath's fields: a UUID {@code id} (name-based on the collection's seed and the
 * feature's number, so reruns give the same ids), a {@code Polygon} geometry (shell, then holes; closed rings;
 * level-0 pixel coordinates), and properties {@code objectType}, {@code classification: {name, color: [r, g, b]}},
 * {@code isLocked} (annotations) and {@code measurements: {"Area px": ..., "<valueName>": ...,
 * "Mean energy score": ...}} (a mean is left out when the object has none).
 *
 * <p>The file is written to a temporary sibling and moved into place by {@link #end()}; closing without
 * {@code end()} deletes it.
 */
public final class GeoJsonWriter implements AutoCloseable {

    /** Name of the area measurement, in level-0 pixels. */
    public static final String AREA = "Area px";
    /**
     * Name of the mean energy score measurement ({@link MaskPolygon#meanScore}: the 10th place's energy-based
     * confidence, the mean of {@code -log(1 - p)} over the object's pixels).
     */
    public static final String ENERGY = "Mean energy score";

    private final Path target;
    private final Path temp;
    private final GeoJsonOptions options;
    private final String seed;
    private final JsonGenerator g;
    private long count;
    private boolean ended;

    private GeoJsonWriter(Path target, GeoJsonOptions options, String seed) throws IOException {
        this.target = target;
        this.options = options;
        this.seed = seed;
        this.temp = AtomicFiles.siblingTemp(target);
        JsonGenerator gen = null;
        try {
            gen = new JsonFactory().createGenerator(Files.newOutputStream(temp), JsonEncoding.UTF8);
            gen.writeStartObject();
            gen.writeStringField("type", "FeatureCollection");
            gen.writeArrayFieldStart("features");
        } catch (IOException | RuntimeException e) {
            if (gen != null) {
                gen.close();
            }
            Files.deleteIfExists(temp);
            throw e;
        }
        this.g = gen;
    }

    /**
     * Opens a writer.
     *
     * @param target  the {@code .geojson} file (replaced when {@link #end()} succeeds)
     * @param options feature properties
     * @param seed    what makes the ids of this collection unique (e.g. the slide id)
     * @throws IOException if the temporary file cannot be created
     */
    public static GeoJsonWriter open(Path target, GeoJsonOptions options, String seed) throws IOException {
        return new GeoJsonWriter(Objects.requireNonNull(target, "target"), Objects.requireNonNull(options, "options"),
                Objects.requireNonNull(seed, "seed"));
    }

    /** Appends one object as a feature. */
    public void write(MaskPolygon o) throws IOException {
        if (ended) {
            throw new IllegalStateException("write after end()");
        }
        g.writeStartObject();
        g.writeStringField("type", "Feature");
        g.writeStringField("id", UUID.nameUUIDFromBytes((seed + "/" + count).getBytes(StandardCharsets.UTF_8))
                .toString());
        g.writeObjectFieldStart("geometry");
        g.writeStringField("type", "Polygon");
        g.writeArrayFieldStart("coordinates");
        ring(o.shell());
        for (Polygon h : o.holes()) {
            ring(h);
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeObjectFieldStart("properties");
        g.writeStringField("objectType", options.objectType().jsonName());
        g.writeObjectFieldStart("classification");
        g.writeStringField("name", options.className());
        g.writeArrayFieldStart("color");
        g.writeNumber((options.rgb() >> 16) & 0xFF);
        g.writeNumber((options.rgb() >> 8) & 0xFF);
        g.writeNumber(options.rgb() & 0xFF);
        g.writeEndArray();
        g.writeEndObject();
        if (options.objectType() == ObjectType.ANNOTATION) {
            g.writeBooleanField("isLocked", false);
        }
        g.writeObjectFieldStart("measurements");
        g.writeNumberField(AREA, o.area());
        if (!Double.isNaN(o.meanValue())) {
            g.writeNumberField(options.valueName(), o.meanValue());
        }
        if (!Double.isNaN(o.meanScore())) {
            g.writeNumberField(ENERGY, o.meanScore());
        }
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
        count++;
    }

    private void ring(Polygon p) throws IOException {
        g.writeStartArray();
        for (int i = 0; i <= p.size(); i++) {
            int k = i % p.size(); // GeoJSON rings repeat the first vertex
            g.writeStartArray();
            number(p.xs()[k]);
            number(p.ys()[k]);
            g.writeEndArray();
        }
        g.writeEndArray();
    }

    private void number(double v) throws IOException {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            g.writeNumber((long) v);
        } else {
            g.writeNumber(v);
        }
    }

    /** Features written so far. */
    public long count() {
        return count;
    }

    /** Finishes the collection and moves the file into place. */
    public void end() throws IOException {
        if (ended) {
            return;
        }
        g.writeEndArray();
        g.writeEndObject();
        g.close();
        ended = true;
        AtomicFiles.moveIntoPlace(temp, target);
    }

    /** Deletes the temporary file unless {@link #end()} moved it into place. */
    @Override
    public void close() throws IOException {
        if (!ended) {
            ended = true;
            try {
                g.close();
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }
}
