package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.List;

/**
 * Atrous spatial pyramid pooling (DeepLab v3), with torchvision's {@code ASPP} module names under a prefix
 * (the U-Net uses {@code decoder.aspp}): {@code convs.0} a 1x1 conv-BN-ReLU, {@code convs.1..R} 3x3 convs
 * dilated by each rate (conv-BN-ReLU, padding = rate, so the size is kept), {@code convs.R+1} the image-pooling
 * branch (global average pool, 1x1 conv-BN-ReLU, repeated over the map), concatenated in that order and
 * projected by {@code project} (1x1 conv-BN-ReLU, dropout 0.5). Convolutions have no bias. The 3rd-place
 * model put it on the deepest encoder feature with rates (1, 2, 3, 4) (its image pooling was a max pool and its
 * 3x3 convs grouped by 4; ours follow torchvision).
 */
final class Aspp {
    /** torchvision's dropout after the projection. */
    static final double DROPOUT = 0.5;

    private Aspp() {
    }

    /**
     * @param b blocks
     * @param p prefix, e.g. {@code decoder.aspp}
     * @param x input vertex
     * @param channels channels of every branch and of the output
     * @param rates dilation rates of the 3x3 branches
     * @return the output vertex
     */
    static String build(Blocks b, String p, String x, int channels, List<Integer> rates) {
        List<String> branches = new ArrayList<>();
        branches.add(b.convBnRelu(p + ".convs.0", x, channels, 1, 1, 0));
        for (int i = 0; i < rates.size(); i++) {
            int r = rates.get(i);
            String q = p + ".convs." + (i + 1);
            String c = b.dilatedConv(q + ".0", x, channels, 3, r, r, false);
            branches.add(b.relu(q + ".2", b.bn(q + ".1", c)));
        }
        String q = p + ".convs." + (rates.size() + 1);
        String pooled = b.globalAvgPool(q + ".0", x);
        String pc = b.conv(q + ".1", pooled, channels, 1, 1, 0, 1, false);
        String pr = b.relu(q + ".3", b.bn(q + ".2", pc));
        branches.add(b.expand(q + ".expand", pr, x));
        String cat = b.concat(p + ".cat", branches.toArray(new String[0]));
        String proj = b.convBnRelu(p + ".project", cat, channels, 1, 1, 0);
        return b.dropout(p + ".project.3", proj, DROPOUT);
    }
}
