/**
 * File output that never leaves a partial file: {@link io.github.hubmapseg.core.io.AtomicFiles} writes to a
 * temporary file next to the target and moves it into place, refuses special files, writes through symbolic
 * links, and cleans up temporary files on failure, at shutdown and when stale; {@link
 * io.github.hubmapseg.core.io.ImageFiles} is the one image writer (PNG and JPEG files and tile encoders).
 */
package io.github.hubmapseg.core.io;
