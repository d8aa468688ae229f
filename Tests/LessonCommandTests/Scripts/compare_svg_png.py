#!/usr/bin/env python3
"""Renders every SVG in a folder with headless Chromium and compares it with the PNG beside it.

    python3 compare_svg_png.py Output/positional-encoding

For each figure: Chromium draws the SVG at the PNG's pixel size (screenshot of the SVG alone),
both pictures are averaged over 4×4 blocks (so anti-aliasing differences between the two
rasterisers count little), and the mean absolute difference per channel (0-255) is printed.
Needs chromium and Python's standard library only (PNG read with zlib).
"""
import os, struct, subprocess, sys, tempfile, zlib


def read_png(path):
    data = open(path, "rb").read()
    pos, chunks = 8, []
    width = height = 0
    idat = b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            channels = {6: 4, 2: 3, 0: 1, 4: 2}[color]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        previous = line
    # RGB over white.
    pixels = []
    for line in rows:
        out = []
        for x in range(width):
            px = line[x * channels:(x + 1) * channels]
            if channels >= 3:
                r, g, b = px[0], px[1], px[2]
                alpha = px[3] if channels == 4 else 255
            else:
                r = g = b = px[0]
                alpha = px[1] if channels == 2 else 255
            out.append(tuple((v * alpha + 255 * (255 - alpha)) / 255 for v in (r, g, b)))
        pixels.append(out)
    return width, height, pixels


def blocks(width, height, pixels, n=4):
    result = []
    for by in range(0, height - n + 1, n):
        for bx in range(0, width - n + 1, n):
            s = [0.0, 0.0, 0.0]
            for y in range(by, by + n):
                for x in range(bx, bx + n):
                    for k in range(3):
                        s[k] += pixels[y][x][k]
            result.append(tuple(v / (n * n) for v in s))
    return result


def main(folder):
    chromium = next((c for c in ("chromium", "chromium-browser", "google-chrome") if subprocess.call(
        ["which", c], stdout=subprocess.DEVNULL) == 0), None)
    if chromium is None:
        print("skipped: no chromium")
        return 0
    worst = 0.0
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".svg"):
            continue
        png = os.path.join(folder, name[:-4] + ".png")
        width, height, reference = read_png(png)
        with tempfile.TemporaryDirectory() as tmp:
            page = os.path.join(tmp, "page.html")
            open(page, "w").write(
                f'<html><body style="margin:0"><img src="file://{os.path.abspath(os.path.join(folder, name))}" '
                f'width="{width}" height="{height}" style="display:block"></body></html>')
            shot = os.path.join(tmp, "shot.png")
            subprocess.run([chromium, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                            "--force-device-scale-factor=1", f"--window-size={width},{height}",
                            f"--screenshot={shot}", "file://" + page],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=True)
            w2, h2, drawn = read_png(shot)
        w, h = min(width, w2), min(height, h2)
        a = blocks(w, h, [row[:w] for row in reference[:h]])
        b = blocks(w, h, [row[:w] for row in drawn[:h]])
        diff = sum(abs(p[k] - q[k]) for p, q in zip(a, b) for k in range(3)) / (3 * len(a))
        worst = max(worst, diff)
        print(f"{name[:-4]:28s} {width}x{height}  mean |SVG - PNG| = {diff:.2f} / 255")
    print(f"worst {worst:.2f} / 255")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "Output/positional-encoding"))
