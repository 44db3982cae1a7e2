package io.github.hubmapseg.core.slide;

/** {@link InMemoryImageSource} passes the {@link ImageSourceContract}. */
class InMemoryImageSourceContractTest extends ImageSourceContract {

    private static final int W = 157;
    private static final int H = 91;

    @Override
    protected ImageSource open() {
        byte[] p = new byte[W * H * 3];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    p[x + W * (y + H * c)] = (byte) expected(x, y, c);
                }
            }
        }
        return new InMemoryImageSource(p, W, H, 3);
    }

    @Override
    protected int expected(long x, long y, int c) {
        return TiffFixtures.value(x, y, c);
    }

    @Override
    protected long[] expectedShape() {
        return new long[] {W, H, 3};
    }
}
