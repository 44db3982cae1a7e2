package io.github.hubmapseg.pipeline.cohort;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * One slide of a cohort: its stable id (the submission row, the unit's folder name {@code OUT/slides/<id>/}) and
 * its file. Plain strings, so that it can be shipped to other JVMs (Spark tasks).
 *
 * @param id   the id: letters, digits, {@code .}, {@code _}, {@code -}, starting with a letter or digit, at most
 *             200 characters
 * @param file the slide's TIFF file (absolute)
 */
public record CohortSlide(String id, String file) implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    /** Validates, naming the value that is wrong. */
    public CohortSlide {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("slide id must be 1-200 letters, digits, '.', '_' or '-' starting with "
                    + "a letter or digit (it names the unit's folder and the submission row), got "
                    + (id == null ? "null" : "'" + id.replaceAll("\\p{Cntrl}", "?") + "'"));
        }
        if (file == null || file.isEmpty()) {
            throw new IllegalArgumentException("slide '" + id + "' needs a file");
        }
    }

    /** @return the file as a path */
    public Path path() {
        return Path.of(file);
    }
}
