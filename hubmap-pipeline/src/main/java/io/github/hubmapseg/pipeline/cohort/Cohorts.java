package io.github.hubmapseg.pipeline.cohort;

import io.github.hubmapseg.core.kaggle.CompetitionLayout;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.infer.SlideIds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** Opens cohorts: a competition folder, a folder of TIFFs or a CSV listing slide files. */
public final class Cohorts {
    /** Column of a slide-list CSV holding the file (relative paths are relative to the CSV's folder). */
    public static final String PATH_COLUMN = "path";
    /** Optional column of a slide-list CSV holding the id (default: the file name without extension). */
    public static final String ID_COLUMN = "id";

    private Cohorts() {
    }

    /**
     * Opens a cohort.
     * <ul>
     *   <li>a competition folder ({@code train.csv} inside): its test slides in {@code sample_submission.csv}
     *       order, or the slides {@code ids} (train, test or external) in the given order;</li>
     *   <li>another folder: its {@code .tif}/{@code .tiff} files, sorted by name, id = name without extension;</li>
     *   <li>a {@code .csv} file: column {@value #PATH_COLUMN} (relative to the CSV's folder), optional column
     *       {@value #ID_COLUMN}, in row order.</li>
     * </ul>
     *
     * @param input the folder or CSV
     * @param ids   the slides to take, in this order, or {@code null} for all
     * @throws IllegalArgumentException in one line naming a missing input, file or unknown id
     * @throws IOException              if a folder or CSV cannot be read
     */
    public static Cohort open(Path input, List<String> ids) throws IOException {
        Path in = input.toAbsolutePath().normalize();
        if (Files.isDirectory(in) && Files.exists(new CompetitionLayout(in).trainCsv())) {
            try (CompetitionDataset ds = CompetitionDataset.open(in)) {
                List<String> todo = ids != null ? SlideIds.check(ds, ids) : ds.testIds();
                List<CohortSlide> slides = new ArrayList<>();
                for (String id : todo) {
                    slides.add(new CohortSlide(id, ds.slidePath(id).toAbsolutePath().toString()));
                }
                return new Cohort(in.toString(), in.toString(), slides);
            }
        }
        List<CohortSlide> all;
        if (Files.isDirectory(in)) {
            all = folder(in);
        } else if (Files.isRegularFile(in) && in.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            all = csv(in);
        } else {
            throw new IllegalArgumentException("cohort input " + input + " must be a competition folder, a folder of "
                    + ".tif/.tiff slides or a .csv with a '" + PATH_COLUMN + "' column"
                    + (Files.exists(in) ? "" : " (it does not exist)"));
        }
        Cohort c = new Cohort(in.toString(), null, all);
        if (ids == null) {
            return c;
        }
        Map<String, CohortSlide> byId = new LinkedHashMap<>();
        all.forEach(s -> byId.put(s.id(), s));
        SlideIds.check(new LinkedHashSet<>(byId.keySet()), ids, in.toString());
        return new Cohort(c.source(), null, ids.stream().map(byId::get).toList());
    }

    /**
     * The true masks of a cohort's slides as RLE, by id: from a competition folder's {@code train.csv} and
     * {@code test_truth.csv} (synthetic); empty for other cohorts.
     *
     * @throws IOException if a CSV cannot be read
     */
    public static Map<String, String> truth(Cohort cohort) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        if (cohort.competition() == null) {
            return out;
        }
        CompetitionLayout layout = new CompetitionLayout(Path.of(cohort.competition()));
        java.util.Set<String> ids = new java.util.HashSet<>(cohort.ids());
        for (Path f : List.of(layout.trainCsv(), layout.testTruth())) {
            if (Files.isRegularFile(f)) {
                for (var r : KaggleFiles.readTrain(f)) {
                    if (ids.contains(r.id())) {
                        out.put(r.id(), r.encoding());
                    }
                }
            }
        }
        return out;
    }

    private static List<CohortSlide> folder(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> isTiff(p.getFileName().toString()))
                    .sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(dir + " holds no .tif/.tiff slides (and no train.csv: not a "
                    + "competition folder)");
        }
        List<CohortSlide> out = new ArrayList<>();
        for (Path f : files) {
            out.add(new CohortSlide(stem(f.getFileName().toString()), f.toString()));
        }
        return out;
    }

    private static List<CohortSlide> csv(Path file) throws IOException {
        List<List<String>> rows = KaggleFiles.readColumns(file, List.of(PATH_COLUMN), List.of(ID_COLUMN));
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + " lists no slides (expected a header with '" + PATH_COLUMN
                    + "' and one row per slide)");
        }
        List<CohortSlide> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Path base = file.getParent();
        for (List<String> r : rows) {
            if (r.get(0).isEmpty()) {
                throw new IllegalArgumentException(file + ": row " + (out.size() + 2) + " has an empty '"
                        + PATH_COLUMN + "'");
            }
            Path p = base.resolve(r.get(0)).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p)) {
                missing.add(r.get(0));
            }
            String id = r.get(1) == null || r.get(1).isEmpty() ? stem(p.getFileName().toString()) : r.get(1);
            out.add(new CohortSlide(id, p.toString()));
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(file + " lists " + missing.size() + " slide file(s) that do not exist or are not files: "
                    + String.join(", ", missing.subList(0, Math.min(5, missing.size())))
                    + (missing.size() > 5 ? " ..." : "") + " (relative paths are relative to " + base + ")");
        }
        return out;
    }

    private static boolean isTiff(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && (n.endsWith(".tif") || n.endsWith(".tiff"));
    }

    /** {@code a.ome.tiff} -> {@code a.ome}, {@code b.tif} -> {@code b}. */
    static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
