package io.github.hubmapseg.core.kaggle;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A competition file is malformed: the message names the file, the 1-based line (for CSV files) and the
 * offending value.
 */
public final class KaggleFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long line;

    /**
     * @param file    the file
     * @param line    1-based line number, or 0 when not applicable (JSON)
     * @param message what is wrong and what was expected
     */
    public KaggleFormatException(Path file, long line, String message) {
        super(file + (line > 0 ? " line " + line : "") + ": " + message);
        this.file = file;
        this.line = line;
    }

    /** The malformed file. */
    public Path file() {
        return file;
    }

    /** The 1-based line of the error, 0 if not applicable. */
    public long line() {
        return line;
    }
}
