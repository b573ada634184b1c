"""Test images and reference outputs for image decoding (PRIMAData) and image transforms (PRIMAVision).

Writes
  Tests/PRIMADataTests/Fixtures/images/*.png|*.jpg   small PNGs of every colour type / bit depth, JPEGs
                                                      (baseline, progressive, greyscale, EXIF orientations), broken files
  Tests/PRIMADataTests/Fixtures/image_decoding.json   the pixels Pillow decodes (`ImageOps.exif_transpose(im).convert("RGB")`)
  Tests/PRIMAVisionTests/Fixtures/transforms.json     torchvision / transformers outputs of resize, crop, normalise,
                                                      flips, rotation, colour adjustments and DINOv3 preprocessing
Run: /work/venv-ref/bin/python Scripts/reference/gen_images.py (or Scripts/reference/generate.sh).
"""
import io
import os
import struct
import zlib

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image, ImageOps
from torchvision.transforms.v2 import functional as tvF
from torchvision.transforms import InterpolationMode

import fixture

DATA_FIXTURES = os.path.join(fixture.FIXTURE_ROOT, "PRIMADataTests", "Fixtures")
IMAGE_DIR = os.path.join(DATA_FIXTURES, "images")
rng = np.random.default_rng(20261129)


def finish(path):
    """Adds the image libraries' versions and shortens the numbers (integers without ".0", others to 7
    significant digits, still within a float32 ulp or two) so the fixture stays small."""
    import json
    with open(path) as f:
        data = json.load(f)
    data["versions"].update({"pillow": PIL.__version__, "torchvision": torchvision.__version__})

    def short(v):
        return int(v) if float(v).is_integer() else float(f"{v:.7g}")

    for case in data["cases"]:
        for group in ("inputs", "outputs"):
            for t in case[group].values():
                t["data"] = [short(v) for v in t["data"]]
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"{os.path.relpath(path)}: {os.path.getsize(path) // 1024} KB")


def smooth_photo(width, height, seed):
    """A photo-like RGB image: smooth colour gradients, a blob and mild noise (JPEG-friendly)."""
    g = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 128 + 100 * np.sin(x / width * 3.1 + g.uniform(0, 3))
    gr = 90 + 80 * np.cos(y / height * 2.7 + g.uniform(0, 3))
    cx, cy = g.uniform(0.3, 0.7) * width, g.uniform(0.3, 0.7) * height
    blob = 120 * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (0.05 * width * height))
    b = 60 + blob
    img = np.stack([r - 0.5 * blob, gr, b], axis=-1) + g.normal(0, 6, (height, width, 3))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- PNG writing (any colour type / bit depth)

def png_bytes(samples, color_type, bit_depth, palette=None, trns=None, interlace=False):
    """A PNG from an array of samples (H, W, channels) written by hand, so 16-bit and low bit depths are exact."""
    h, w = samples.shape[:2]
    channels = samples.shape[2]

    def pack_row(row):
        flat = row.reshape(-1)
        if bit_depth == 16:
            return flat.astype(">u2").tobytes()
        if bit_depth == 8:
            return flat.astype(np.uint8).tobytes()
        per_byte = 8 // bit_depth
        out = bytearray()
        for i in range(0, len(flat), per_byte):
            byte = 0
            for k in range(per_byte):
                v = int(flat[i + k]) if i + k < len(flat) else 0
                byte |= v << (8 - bit_depth * (k + 1))
            out.append(byte)
        return bytes(out)

    def scanlines(sub):
        return b"".join(b"\x00" + pack_row(sub[y]) for y in range(sub.shape[0]))

    if interlace:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        raw = b""
        for x0, y0, dx, dy in passes:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                raw += scanlines(sub)
    else:
        raw = scanlines(samples)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, int(interlace)))
    out += chunk(b"gAMA", struct.pack(">I", 100000))  # gamma 1.0: must be ignored, as Pillow does
    if palette is not None:
        out += chunk(b"PLTE", palette.astype(np.uint8).tobytes())
    if trns is not None:
        out += chunk(b"tRNS", trns)
    return out + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def png_cases():
    w, h = 13, 7  # odd width exercises the packing of 1/2/4-bit rows
    files = {}
    for depth in (1, 2, 4, 8, 16):
        files[f"grey{depth}.png"] = png_bytes(rng.integers(0, 2 ** depth, (h, w, 1)), 0, depth)
    files["grey8_trns.png"] = png_bytes(rng.integers(0, 256, (h, w, 1)), 0, 8, trns=struct.pack(">H", 17))
    for depth in (8, 16):
        files[f"grey_alpha{depth}.png"] = png_bytes(rng.integers(0, 2 ** depth, (h, w, 2)), 4, depth)
        files[f"rgb{depth}.png"] = png_bytes(rng.integers(0, 2 ** depth, (h, w, 3)), 2, depth)
        files[f"rgba{depth}.png"] = png_bytes(rng.integers(0, 2 ** depth, (h, w, 4)), 6, depth)
    files["rgb8_interlaced.png"] = png_bytes(rng.integers(0, 256, (h, w, 3)), 2, 8, interlace=True)
    files["rgb16_interlaced.png"] = png_bytes(rng.integers(0, 65536, (h, w, 3)), 2, 16, interlace=True)
    for depth in (2, 4, 8):
        colours = 2 ** depth
        palette = rng.integers(0, 256, (colours, 3))
        files[f"palette{depth}.png"] = png_bytes(rng.integers(0, colours, (h, w, 1)), 3, depth, palette=palette)
    palette = rng.integers(0, 256, (16, 3))
    files["palette8_trns.png"] = png_bytes(rng.integers(0, 16, (h, w, 1)), 3, 8, palette=palette,
                                           trns=bytes(rng.integers(0, 256, 10).astype(np.uint8)))
    return files


def jpeg_cases():
    w, h = 16, 12  # not square, so the 90° EXIF orientations swap the axes
    photo = Image.fromarray(smooth_photo(w, h, 1))
    files = {}

    def save(name, image, **kwargs):
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", **kwargs)
        files[name] = buffer.getvalue()

    save("baseline.jpg", photo, quality=90)
    save("baseline444.jpg", photo, quality=95, subsampling=0)
    save("progressive.jpg", photo, quality=85, progressive=True)
    save("grey.jpg", photo.convert("L"), quality=90)
    big = Image.fromarray(smooth_photo(64, 48, 2))
    save("photo64x48.jpg", big, quality=92)
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        save(f"orientation{orientation}.jpg", photo, quality=90, exif=exif.tobytes())
    return files


def decoding_fixture():
    os.makedirs(IMAGE_DIR, exist_ok=True)
    for name in os.listdir(IMAGE_DIR):
        os.remove(os.path.join(IMAGE_DIR, name))
    files = {**png_cases(), **jpeg_cases()}
    cases = []
    for name, data in sorted(files.items()):
        with open(os.path.join(IMAGE_DIR, name), "wb") as f:
            f.write(data)
        image = Image.open(io.BytesIO(data))
        if image.mode == "I;16":
            # Pillow clips 16-bit grey to 255 in convert("RGB"); the decoder takes the high byte instead (see PNGDecoder).
            rgb = np.repeat((np.array(image).astype(np.uint32) >> 8).astype(np.uint8)[..., None], 3, axis=-1)
        else:
            rgb = np.array(ImageOps.exif_transpose(image).convert("RGB"))
        cases.append(fixture.case(name, {}, {"pixels": torch.from_numpy(rgb.astype(np.float32))},
                                  params={"mode": image.mode}))
    # Broken files: a JPEG and a PNG cut in half, bytes that are neither.
    for name in ("baseline.jpg", "progressive.jpg", "rgb8.png"):
        data = files[name]
        stem, ext = name.rsplit(".", 1)
        with open(os.path.join(IMAGE_DIR, f"{stem}_truncated.{ext}"), "wb") as f:
            f.write(data[: len(data) // 2])
    with open(os.path.join(IMAGE_DIR, "not_an_image.png"), "wb") as f:
        f.write(b"GIF89a this is not a PNG")
    fixture.write("PRIMADataTests", "image_decoding", "Scripts/reference/gen_images.py", cases)
    finish(os.path.join(DATA_FIXTURES, "image_decoding.json"))


# ---------------------------------------------------------------- transforms

def to_float(pixels):
    """uint8 (H, W, 3) → float32 [3, H, W] scaled like transformers' rescale (x * 1/255)."""
    return torch.from_numpy(pixels).permute(2, 0, 1).contiguous() * (1 / 255)


def pixels_tensor(pixels):
    return torch.from_numpy(pixels.astype(np.float32)).permute(2, 0, 1).contiguous()


def transforms_fixture():
    from transformers import DINOv3ViTImageProcessor

    images = {"noise": rng.integers(0, 256, (14, 20, 3)).astype(np.uint8),
              "photo": smooth_photo(32, 24, 3),
              "small": rng.integers(0, 256, (7, 11, 3)).astype(np.uint8)}
    images["grey_photo"] = np.repeat(images["photo"][..., :1], 3, axis=-1)
    # The source images are stored once, as cases named image_<name>; other cases name theirs in params.image.
    cases = [fixture.case(f"image_{name}", {"pixels": pixels_tensor(pixels)}, {}) for name, pixels in images.items()]

    def add(name, image_name, out, **params):
        cases.append(fixture.case(name, {}, {"out": out}, params={"image": image_name, **params}))

    modes = {"bilinear": InterpolationMode.BILINEAR, "bicubic": InterpolationMode.BICUBIC}
    for image_name, sizes in (("noise", [(9, 13), (25, 9)]), ("photo", [(10, 14), (8, 36)]),
                              ("small", [(11, 15), (3, 5)])):
        for height, width in sizes:
            for mode in modes:
                for antialias in (True, False):
                    out = tvF.resize(to_float(images[image_name]), [height, width], interpolation=modes[mode],
                                     antialias=antialias)
                    add(f"resize_{image_name}_{height}x{width}_{mode}_{'aa' if antialias else 'noaa'}", image_name, out,
                        height=height, width=width, interpolation=mode, antialias=antialias)
    noise, photo, small = images["noise"], images["photo"], images["small"]
    for size in ((3, 4), (7, 11), (4, 3), (9, 14), (6, 10)):
        add(f"center_crop_{size[0]}x{size[1]}", "small", tvF.center_crop(to_float(small), list(size)),
            height=size[0], width=size[1])
    add("resized_crop", "photo", tvF.resized_crop(to_float(photo), 5, 9, 15, 21, [8, 8],
                                                  interpolation=InterpolationMode.BILINEAR, antialias=True),
        top=5, left=9, crop_height=15, crop_width=21, height=8, width=8)
    add("hflip", "small", tvF.horizontal_flip(to_float(small)))
    add("vflip", "small", tvF.vertical_flip(to_float(small)))
    for angle, fill in ((30.0, [0.0, 0.0, 0.0]), (-47.5, [0.5, 0.25, 1.0]), (90.0, [0.0, 0.0, 0.0]),
                        (180.0, [0.0, 0.0, 0.0]), (200.0, [1.0, 1.0, 1.0])):
        out = tvF.rotate(to_float(small), angle, interpolation=InterpolationMode.BILINEAR, fill=fill)
        add(f"rotate_{angle:g}", "small", out, angle=angle, fill=fill)
    for factor in (0.0, 0.6, 1.4):
        add(f"brightness_{factor:g}", "small", tvF.adjust_brightness(to_float(small), factor), factor=factor)
        add(f"contrast_{factor:g}", "small", tvF.adjust_contrast(to_float(small), factor), factor=factor)
        add(f"saturation_{factor:g}", "small", tvF.adjust_saturation(to_float(small), factor), factor=factor)
    for factor in (-0.5, -0.2, 0.1, 0.45):
        add(f"hue_{factor:g}", "small", tvF.adjust_hue(to_float(small), factor), factor=factor)
    add("hue_grey", "grey_photo", tvF.adjust_hue(to_float(images["grey_photo"])[:, :6, :6], 0.3), factor=0.3, crop=6)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    add("normalize", "small", tvF.normalize(to_float(small), mean, std), mean=mean, std=std)

    # DINOv3 preprocessing with transformers: rescale → resize (bilinear, antialias) → normalise, at the
    # model's 224×224 (upsampling these small images) and at a size that downsamples them. The 224×224
    # outputs are large, so only a strided grid of them is stored (rows and columns 0, 15, 30, …).
    for image_name in ("noise", "photo", "small"):
        source = torch.from_numpy(images[image_name]).permute(2, 0, 1).contiguous()
        for height, width, stride in ((224, 224, 15), (5, 12, 1)):
            size = {"height": height, "width": width}
            normalised = DINOv3ViTImageProcessor(size=size)(images=source, return_tensors="pt")["pixel_values"][0]
            plain = DINOv3ViTImageProcessor(size=size, do_normalize=False)(images=source, return_tensors="pt")
            cases.append(fixture.case(f"dinov3_{image_name}_{height}x{width}", {},
                                      {"normalised": normalised[:, ::stride, ::stride],
                                       "unnormalised": plain["pixel_values"][0][:, ::stride, ::stride]},
                                      params={"image": image_name, "height": height, "width": width, "stride": stride}))
    fixture.write("PRIMAVisionTests", "transforms", "Scripts/reference/gen_images.py", cases)
    finish(os.path.join(fixture.FIXTURE_ROOT, "PRIMAVisionTests", "Fixtures", "transforms.json"))


if __name__ == "__main__":
    decoding_fixture()
    transforms_fixture()
