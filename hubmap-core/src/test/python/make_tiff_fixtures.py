#!/usr/bin/python3
"""Writes the TIFF fixtures of hubmap-core's slide tests with independent writers.

Writers: Debian's python3-tifffile (tifffile.imwrite) and libtiff's tiffcp (LZW, JPEG, which tifffile
and PackBits, which tifffile
cannot write without imagecodecs). Pixel values follow one deterministic formula that the Java tests
recompute (TiffFixtures.expected):

    value(x, y, c) = (3 * x + 7 * y + 85 * c + (x ^ y) % 13) % 256

JPEG is lossy: for the JPEG files the script also stores libtiff's own decoding (tiff2rgba), as raw
channel-planar bytes (c, y, x), which the Java test compares against with a small tolerance.

Usage (from the repository root):
    /usr/bin/python3 hubmap-core/src/test/python/make_tiff_fixtures.py hubmap-core/src/test/resources/tiff
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import tifffile


def pixels(w, h, c=3):
    """Array of shape (c, h, w): value(x, y, c)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    planes = [(3 * x + 7 * y + 85 * ch + (x ^ y) % 13) % 256 for ch in range(c)]
    return np.stack(planes).astype(np.uint8)


def main(out):
    os.makedirs(out, exist_ok=True)
    big = pixels(301, 233)          # (3, 233, 301): odd sizes, not multiples of any tile size
    small = pixels(173, 99)         # (3, 99, 173)
    rgb_big = np.moveaxis(big, 0, -1)      # (H, W, 3) interleaved
    rgb_small = np.moveaxis(small, 0, -1)

    def w(name, data, **kw):
        tifffile.imwrite(os.path.join(out, name), data, **kw)

    # Interleaved RGB (PlanarConfiguration 1)
    w('rgb_tiled128.tif', rgb_big, photometric='rgb', tile=(128, 128))
    w('rgb_tiled256_deflate.tif', rgb_big, photometric='rgb', tile=(256, 256), compression='zlib')
    w('rgb_strips16.tif', rgb_big, photometric='rgb', rowsperstrip=16)
    w('rgb_onestrip.tif', rgb_big, photometric='rgb', rowsperstrip=233)
    w('rgb_strips16_deflate.tif', rgb_small, photometric='rgb', rowsperstrip=16, compression='zlib')
    w('rgb_bigtiff_tiled64.tif', rgb_small, photometric='rgb', tile=(64, 64), bigtiff=True)
    w('rgb_bigtiff_strips7.tif', rgb_small, photometric='rgb', rowsperstrip=7, bigtiff=True)
    w('rgb_bigendian_strips16.tif', rgb_small, photometric='rgb', rowsperstrip=16, byteorder='>')
    # Planar (3, H, W) (PlanarConfiguration 2)
    w('planar_tiled64.tif', small, photometric='rgb', planarconfig='separate', tile=(64, 64))
    w('planar_strips16.tif', small, photometric='rgb', planarconfig='separate', rowsperstrip=16)
    w('planar_tiled64_deflate.tif', small, photometric='rgb', planarconfig='separate', tile=(64, 64),
      compression='zlib')
    # The 5-D shape (1, 1, 3, H, W) of some competition slides: tifffile writes one planar page ...
    w('shape5d.tif', small[np.newaxis, np.newaxis])
    # ... and, as OME-TIFF, three one-channel pages (series shape (3, H, W), axes CYX)
    w('shape5d_ome.tif', small[np.newaxis, np.newaxis], ome=True)
    # one channel
    w('gray_strips16.tif', small[1], photometric='minisblack', rowsperstrip=16)

    # libtiff's tiffcp for LZW (with and without predictor) and JPEG
    src = os.path.join(out, 'rgb_strips16.tif')

    def cp(args, name):
        subprocess.run(['tiffcp'] + args + [src, os.path.join(out, name)], check=True)

    cp(['-c', 'lzw'], 'rgb_strips16_lzw.tif')
    cp(['-c', 'lzw:2', '-t', '-w', '64', '-l', '64'], 'rgb_tiled64_lzw_predictor.tif')
    src = os.path.join(out, 'rgb_strips16_deflate.tif')
    cp(['-c', 'packbits'], 'rgb_strips16_packbits.tif')
    cp(['-c', 'jpeg:r:90', '-t', '-w', '64', '-l', '64'], 'rgb_tiled64_jpeg.tif')
    cp(['-c', 'jpeg:90', '-r', '16'], 'rgb_strips16_jpeg_ycbcr.tif')
    for name in ('rgb_tiled64_jpeg.tif', 'rgb_strips16_jpeg_ycbcr.tif'):
        with tempfile.TemporaryDirectory() as tmp:
            rgba = os.path.join(tmp, 'rgba.tif')
            subprocess.run(['tiff2rgba', '-c', 'none', os.path.join(out, name), rgba], check=True)
            ref = tifffile.imread(rgba)[..., :3]                      # (H, W, 3)
            np.ascontiguousarray(np.moveaxis(ref, -1, 0)).tofile(
                os.path.join(out, name.replace('.tif', '.libtiff.raw')))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'hubmap-core/src/test/resources/tiff')
