package io.github.hubmapseg.core.synth;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.slide.AbstractImageSource;
import io.github.hubmapseg.core.synth.HardSyntheticSlide.Kind;
import io.github.hubmapseg.core.synth.HardSyntheticSlide.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pins the pixels and masks of both synthetic profiles: SHA-256 prefixes of whole small slides and of regions of a
 * competition-sized slide, <b>computed by the generator at commit 5a5fca7</b> (our own output, not an independent
 * reference). The README's and docs/synth-hard.md's measured tables (reproduce, ablation) were measured on these
 * pixels; a speed-up or a refactoring of the generator must leave every one of them as it is. A change that is
 * meant to change the pixels must say so, re-measure those tables and update the pins.
 */
class SyntheticPixelPinTest {

    /** Two hard slides that hold every element between them (checked in {@link #pinnedHardSlidesCoverEveryElement}). */
    private static final SlideSpec HARD_A = new SlideSpec("pin", 2048, 2048, 10);
    private static final SlideSpec HARD_B = new SlideSpec("pin", 2048, 2048, 18);
    private static final SlideSpec EASY_A = new SlideSpec("pin", 2048, 2048, 1);
    private static final SlideSpec EASY_B = new SlideSpec("pin", 2048, 2048, 2);
    /** The benchmark's slide; regions at offsets and sizes that do not follow the 64-pixel blocks. */
    private static final SlideSpec BIG = new SlideSpec("bench", 30000, 25000, 1);
    private static final long[][] REGIONS = {{14000, 12000, 700, 513}, {6001, 12003, 517, 600}, {100, 100, 300, 300},
        {20000, 6000, 640, 640}, {9037, 16011, 611, 577}};

    @Test
    void hardProfilePixelsAreThoseOfTheMeasuredTables() throws IOException {
        assertThat(List.of(slide(HardSyntheticSlide.create(HARD_A, Options.all())),
                slide(HardSyntheticSlide.create(HARD_B, Options.all())),
                regions(HardSyntheticSlide.create(BIG, Options.all()))))
                .containsExactly("213ea1ce0248e74749c30b1f", "1a743991f7f85516c7da167e", "b98e163dbad0381dfdc0bfe8");
    }

    @Test
    void easyProfilePixelsAreThoseOfTheMeasuredTables() throws IOException {
        assertThat(List.of(slide(SyntheticSlide.create(EASY_A)), slide(SyntheticSlide.create(EASY_B)),
                regions(SyntheticSlide.create(BIG))))
                .containsExactly("d9ac1538a8551ce3079d9700", "daae37f9eca57fc431a6fbb4", "ad9a07791265c7fb5039c602");
    }

    @Test
    void masksAndLookalikesAreThoseOfTheMeasuredTables() throws IOException {
        HardSyntheticSlide a = HardSyntheticSlide.create(HARD_A, Options.all());
        HardSyntheticSlide outlier = HardSyntheticSlide.create(HARD_A, Options.all().labelSclerotic(true));
        HardSyntheticSlide b = HardSyntheticSlide.create(HARD_B, Options.all());
        StringBuilder sb = new StringBuilder();
        for (HardSyntheticSlide s : new HardSyntheticSlide[] {a, outlier, b}) {
            sb.append(s.maskRle()).append('\n');
            for (Lookalike k : Lookalike.values()) {
                s.writeLookalikeRle(k, sb);
                sb.append('\n');
            }
        }
        String easy = SyntheticSlide.create(EASY_A).maskRle() + "\n" + SyntheticSlide.create(EASY_B).maskRle();
        assertThat(List.of(sha(sb.toString().getBytes(StandardCharsets.US_ASCII)),
                sha(easy.getBytes(StandardCharsets.US_ASCII))))
                .containsExactly("3591ec7bcfc2686077e29d26", "6b896a101f5012a1dd297f4e");
    }

    @Test
    void pinnedHardSlidesCoverEveryElement() {
        HardSyntheticSlide a = HardSyntheticSlide.create(HARD_A, Options.all());
        HardSyntheticSlide b = HardSyntheticSlide.create(HARD_B, Options.all());
        int[] ca = a.artefactCounts();
        int[] cb = b.artefactCounts();
        for (int i = 0; i < ca.length; i++) { // folds, bubbles, out-of-focus patches, pen strokes
            assertThat(ca[i] + cb[i]).as("artefact %d", i).isPositive();
        }
        List<HardSyntheticSlide.Glom> gl = new ArrayList<>(a.glomeruli());
        gl.addAll(b.glomeruli());
        assertThat(gl).anyMatch(g -> g.kind() == Kind.SCLEROTIC);
        assertThat(gl).anyMatch(g -> g.kind() == Kind.TANGENTIAL);
        assertThat(gl).anyMatch(g -> g.edgeCut());
        assertThat(gl).anyMatch(g -> g.bowman() == 0);
        assertThat(a.arteries().size() + b.arteries().size()).isPositive();
        assertThat(a.tubuleClusters().size() + b.tubuleClusters().size()).isPositive();
    }

    private static String slide(AbstractImageSource s) throws IOException {
        int w = (int) s.width();
        int h = (int) s.height();
        byte[] dst = new byte[w * h * 3];
        s.readInto(0, 0, w, h, dst);
        return sha(dst);
    }

    private static String regions(AbstractImageSource s) throws IOException {
        MessageDigest md = sha256();
        for (long[] r : REGIONS) {
            byte[] dst = new byte[(int) (r[2] * r[3] * 3)];
            s.readInto(r[0], r[1], (int) r[2], (int) r[3], dst);
            md.update(dst);
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 24);
    }

    private static String sha(byte[] b) {
        return HexFormat.of().formatHex(sha256().digest(b)).substring(0, 24);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
