"""Benchmark: what the most expensive photo request the limits accept costs, in CPU and memory.

Run by hand (``make bench-photos``); pytest does not collect it::

    .venv/bin/python -m tests.bench.photo_cost [--keep]

Each case is the photo field of a quote form cleaning its files exactly as a POST does
(``PhotosField.clean``: read every header, check the pixel budget, decode, convert to sRGB,
scale, re-encode); storing the results is a few small writes and is left out, so no database
is needed. The worst cases are the most expensive requests the limits still let through: as
many photos as the per-request pixel budget (``FORMS_PHOTO_MAX_TOTAL_PIXELS``) accepts, each at
its format's per-photo pixel limit, in highly compressible content (a few kilobytes of request
for the most pixels), plus real-looking photos at phone sizes. Next to them, an ordinary
12 MP phone photo (JPEG and HEIC).

How it is measured: every case runs in its own ``fork``-ed child of a parent that has only
set Django up. In the child, the request's files are built (as in-memory uploads, so their
bytes count, as Django's own upload buffers would), then ``gc.collect()``, glibc
``malloc_trim(0)``, and the kernel's peak-RSS mark is reset to the current RSS
(``echo 5 > /proc/self/clear_refs``). CPU is ``time.process_time()`` (all threads of the
process, so libheif's decoder threads count); memory is ``VmHWM`` afterwards: the peak
**growth** over the worker's resting RSS, which is what a request adds to a worker, and the
absolute peak. Generated photos are cached in ``<tmp>/mih-photo-bench`` (encoding a 48 MP
HEIC takes half a minute); ``--keep`` keeps them for the next run, otherwise they are deleted.

The last lines compare the worst accepted case with the bounds: 3 s of CPU and 300 MB of
peak memory growth.
"""

import argparse
import contextlib
import ctypes
import gc
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

import pillow_heif  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image  # noqa: E402

from forms_app.intake.forms import PhotosField  # noqa: E402
from forms_app.intake.photos import PhotoLimits, open_photo  # noqa: E402

pillow_heif.register_heif_opener()

MB = 1024 * 1024
CPU_LIMIT_S = 3.0
MEMORY_LIMIT_MB = 300
CACHE = Path(tempfile.gettempdir()) / "mih-photo-bench"


# Photos ------------------------------------------------------------------------------------


def _flat(size):
    """The most pixels for the fewest bytes: a gradient compresses to almost nothing."""
    return Image.linear_gradient("L").resize(size).convert("RGB")


def _photo_like(size):
    """Smooth shapes plus sensor-like grain: compresses about as a phone photo does."""
    width, height = size
    shapes = Image.effect_noise((width // 32 + 1, height // 32 + 1), 60).resize(
        size, Image.Resampling.BICUBIC
    )
    grain = Image.effect_noise(size, 12)
    grey = Image.blend(shapes, grain, 0.1)
    return Image.merge("RGB", (grey, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT), grey))


def photo(name, fmt, size, content):
    """The bytes of a generated photo, from the cache when it is there."""
    path = CACHE / f"{name}-{size[0]}x{size[1]}-{content}.{fmt.lower()}"
    if not path.exists():
        image = _flat(size) if content == "flat" else _photo_like(size)
        options = {"PNG": {"compress_level": 9}, "JPEG": {"quality": 92}}.get(fmt, {})
        if fmt == "JPEG" and name.endswith("progressive"):
            options = {"quality": 92, "progressive": True}
        if fmt == "WEBP":
            options = {"quality": 90}
        if fmt == "HEIF":
            # x265's fastest preset: a 48 MP photo encodes in seconds, not a minute; the
            # decoder's work (what is measured) is the same for any preset.
            options = {"quality": 75, "enc_params": {"preset": "ultrafast"}}
        buffer = io.BytesIO()
        image.save(buffer, format=fmt, **options)
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())
    return path.read_bytes()


def fill(limits, *kinds):
    """As many photos of each kind, in turn, as the limits let through: the request's files."""
    files, cost, total = [], 0, 0
    for kind, most in kinds:
        data = photo(*kind)
        one = open_photo(SimpleUploadedFile("probe", data), limits).cost
        for _ in range(most):
            if (
                len(files) == limits.max_count
                or cost + one > limits.max_total_pixels
                or total + len(data) > limits.max_total_bytes
            ):
                break
            files.append((kind, data))
            cost, total = cost + one, total + len(data)
    return files


# Measuring ---------------------------------------------------------------------------------


def _status_mb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def _malloc_trim():
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def measure(files):
    """Clean ``files`` in a forked child; return (photos stored, CPU s, wall s, growth, peak)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one request's worth of work, then report and exit
        os.close(read_end)
        try:
            uploads = [
                SimpleUploadedFile(f"foto-{n}", data, content_type="image/jpeg")
                for n, (_kind, data) in enumerate(files)
            ]
            gc.collect()
            _malloc_trim()
            with open("/proc/self/clear_refs", "w") as clear_refs:
                clear_refs.write("5")
            resting = _status_mb("VmRSS")
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                stored = len(PhotosField(required=False).clean(uploads))
            except ValidationError as error:
                stored = f"refused: {error.messages[0][:60]}"
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            peak = _status_mb("VmHWM")
            os.write(write_end, repr((stored, cpu, wall, peak - resting, peak)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as result:
        text = result.read()
    os.waitpid(pid, 0)
    return eval(text)  # noqa: S307 - our own child's repr of a tuple of numbers and a string


def describe(files):
    counts = {}
    for (name, _fmt, size, content), _data in files:
        label = f"{name} {size[0]}x{size[1]} {content}"
        counts[label] = counts.get(label, 0) + 1
    return " + ".join(f"{n} x {label}" for label, n in counts.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the generated photos")
    args = parser.parse_args()
    limits = PhotoLimits.from_settings()
    print(
        f"Limits: {limits.max_count} photos, {limits.max_total_bytes / MB:.0f} MB in all, "
        f"{limits.max_pixels / 1e6:.1f} MP each ({limits.max_pixels_png_webp / 1e6:.1f} MP "
        f"PNG/WebP), budget {limits.max_total_pixels / 1e6:.0f} M weighted pixels, stored long "
        f"edge {limits.max_edge} px. Bounds: {CPU_LIMIT_S} s CPU, {MEMORY_LIMIT_MB} MB peak."
    )
    print(f"Generating photos (cached in {CACHE}) …", flush=True)
    png_webp_edge = (4096, int(limits.max_pixels_png_webp // 4096))
    square = int(limits.max_pixels**0.5)
    jpeg12 = ("jpeg", "JPEG", (4032, 3024), "photo")
    heic12 = ("heic", "HEIF", (4032, 3024), "photo")
    ordinary = {
        "ordinary: one 12 MP JPEG phone photo": [(jpeg12, photo(*jpeg12))],
        "ordinary: one 12 MP HEIC phone photo": [(heic12, photo(*heic12))],
    }
    worst = {
        "8 phone JPEG, 12 MP": fill(limits, (jpeg12, 8)),
        "phone JPEG, 48 MP (decoded at 12 MP)": fill(
            limits, (("jpeg", "JPEG", (8000, 6000), "photo"), 8)
        ),
        "JPEG at the pixel limit (decoded at 1/2)": fill(
            limits, (("jpeg", "JPEG", (square, square), "flat"), 8)
        ),
        "JPEG just over the stored edge (decoded at 1/2)": fill(
            limits, (("jpeg", "JPEG", (6143, 6143), "flat"), 8)
        ),
        "JPEG at the stored edge, no reduced decoding": fill(
            limits, (("jpeg", "JPEG", (limits.max_edge, limits.max_edge), "flat"), 8)
        ),
        "progressive JPEG at the stored edge": fill(
            limits, (("jpeg-progressive", "JPEG", (limits.max_edge, limits.max_edge), "flat"), 8)
        ),
        "phone HEIC, 12 MP": fill(limits, (heic12, 8)),
        "phone HEIC 48 MP, then 12 MP JPEG": fill(
            limits, (("heic", "HEIF", (8064, 6048), "photo"), 8), (jpeg12, 8)
        ),
        "HEIC at 48 MP, compressible": fill(
            limits, (("heic", "HEIF", (8064, 6048), "flat"), 8), (jpeg12, 8)
        ),
        "PNG at its pixel limit, compressible": fill(
            limits, (("png", "PNG", png_webp_edge, "flat"), 8)
        ),
        "WebP at its pixel limit, compressible": fill(
            limits, (("webp", "WEBP", png_webp_edge, "flat"), 8)
        ),
    }
    print()
    print(
        f"{'case':46} {'photos':>6} {'KB sent':>8} {'CPU s':>6} {'wall s':>6} "
        f"{'growth MB':>9} {'peak MB':>8}"
    )
    results = {}
    for group in (ordinary, worst):
        for label, files in group.items():
            stored, cpu, wall, growth, peak = measure(files)
            sent = sum(len(data) for _kind, data in files) / 1024
            results[label] = (stored, cpu, growth)
            print(
                f"{label:46} {stored!s:>6} {sent:8.0f} {cpu:6.2f} {wall:6.2f} "
                f"{growth:9.0f} {peak:8.0f}"
            )
            print(f"    {describe(files)}", flush=True)
    accepted = {
        label: r for label, r in results.items() if label in worst and isinstance(r[0], int)
    }
    slowest = max(accepted, key=lambda label: accepted[label][1])
    hungriest = max(accepted, key=lambda label: accepted[label][2])
    print()
    cpu, memory = accepted[slowest][1], accepted[hungriest][2]
    ok_cpu, ok_memory = cpu <= CPU_LIMIT_S, memory <= MEMORY_LIMIT_MB
    print(
        f"Worst CPU:    {cpu:.2f} s  ({slowest}): {'within' if ok_cpu else 'OVER'} {CPU_LIMIT_S} s"
    )
    print(
        f"Worst memory: {memory:.0f} MB growth  ({hungriest}): "
        f"{'within' if ok_memory else 'OVER'} {MEMORY_LIMIT_MB} MB"
    )
    for label in ordinary:
        print(f"{label}: {results[label][1]:.2f} s CPU, {results[label][2]:.0f} MB growth")
    if not args.keep:
        shutil.rmtree(CACHE, ignore_errors=True)
    return 0 if ok_cpu and ok_memory else 1


if __name__ == "__main__":
    sys.exit(main())
