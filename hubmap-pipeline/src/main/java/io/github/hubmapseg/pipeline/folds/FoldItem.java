package io.github.hubmapseg.pipeline.folds;

/**
 * One item to split into folds: an id (an image, or a tile such as {@code "aaa6a05cc_x1024_y2048"}), the group
 * it must stay with (a patient number, or the image id for tiles) and a stratification label (e.g. whether a
 * tile has glomeruli, or its mask-area bin; {@code ""} when unused).
 *
 * @param id    unique id, non-empty
 * @param group group key, non-null
 * @param label stratification label, non-null
 */
public record FoldItem(String id, String group, String label) {

    /** Validates. */
    public FoldItem {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("item id must be non-empty, got " + (id == null ? null : "\"\""));
        }
        if (group == null) {
            throw new IllegalArgumentException("item '" + id + "': group must not be null");
        }
        if (label == null) {
            throw new IllegalArgumentException("item '" + id + "': label must not be null");
        }
    }

    /** An item with a group and no label. */
    public static FoldItem of(String id, String group) {
        return new FoldItem(id, group, "");
    }
}
