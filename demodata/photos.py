"""Field photos (现场照片): small JPEGs named <JCBH>_<n>.jpg with EXIF GPS, time and direction.

Most are taken within a few metres of the patch after the later image date; a few are taken far
away (500 m +) and one before the later image date — the checks a reviewer makes on photos.
"""
import datetime
import math
import os
from dataclasses import dataclass

import piexif
from PIL import Image, ImageDraw

WIDTH, HEIGHT = 320, 240
FAR_PHOTO_INDEXES = (1, 8)  # the 2nd and 9th photo are taken far from their patch
EARLY_PHOTO_INDEX = 4  # the 5th is taken before the later image date
EARTH_RADIUS = 6378137.0


@dataclass
class Photo:
    path: str
    jcbh: str
    lon: float
    lat: float
    taken: datetime.datetime
    direction: float
    problem: str = None


def _rational_dms(value):
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60 * 10000)
    return ((degrees, 1), (minutes, 1), (seconds, 10000))


def exif_bytes(lon, lat, taken, direction):
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S").encode()
    return piexif.dump({
        "0th": {piexif.ImageIFD.Make: b"HUAWEI", piexif.ImageIFD.Model: b"Field verification phone",
                piexif.ImageIFD.DateTime: stamp},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: stamp, piexif.ExifIFD.DateTimeDigitized: stamp},
        "GPS": {piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0),
                piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
                piexif.GPSIFD.GPSLatitude: _rational_dms(abs(lat)),
                piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
                piexif.GPSIFD.GPSLongitude: _rational_dms(abs(lon)),
                piexif.GPSIFD.GPSImgDirectionRef: b"T",
                piexif.GPSIFD.GPSImgDirection: (int(round(direction * 100)), 100),
                piexif.GPSIFD.GPSMapDatum: b"WGS-84"},
    })


def draw_scene(rng, patch, taken, lon, lat):
    """Sky, ground and what changed (a building, a heap of fill, or bare soil), with the number."""
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    horizon = int(rng.integers(90, 130))
    for y in range(horizon):
        shade = int(150 + 90 * y / horizon)
        draw.line([(0, y), (WIDTH, y)], fill=(shade - 60, shade - 20, 255))
    ground = (96, 140, 64) if patch.land_use in ("0101", "0102", "0103") else (150, 130, 95)
    draw.rectangle([0, horizon, WIDTH, HEIGHT], fill=ground)
    x = int(rng.integers(40, 180))
    if patch.bhlx == "新增建设用地":
        top = horizon - int(rng.integers(20, 60))
        draw.rectangle([x, top, x + 110, horizon + 40], fill=(185, 185, 190), outline=(80, 80, 80))
        draw.polygon([(x - 8, top), (x + 55, top - 25), (x + 118, top)], fill=(160, 60, 50))
        for wx in range(x + 12, x + 100, 28):
            draw.rectangle([wx, top + 12, wx + 14, top + 28], fill=(70, 110, 160))
    elif patch.bhlx == "推填土":
        draw.polygon([(x - 30, horizon + 60), (x + 60, horizon - 25), (x + 160, horizon + 60)], fill=(140, 100, 60))
    else:
        draw.ellipse([x, horizon + 10, x + 140, horizon + 70], fill=(170, 150, 110))
    draw.rectangle([0, 0, WIDTH, 30], fill=(0, 0, 0))
    draw.text((6, 4), patch.jcbh, fill=(255, 255, 255))
    draw.text((6, 17), taken.strftime("%Y-%m-%d %H:%M:%S"), fill=(255, 255, 0))
    draw.rectangle([0, HEIGHT - 16, WIDTH, HEIGHT], fill=(0, 0, 0))
    draw.text((6, HEIGHT - 14), f"N {lat:.6f}  E {lon:.6f}", fill=(255, 255, 255))
    return image


def _offset(lon, lat, metres, bearing):
    dlat = metres * math.cos(bearing) / EARTH_RADIUS
    dlon = metres * math.sin(bearing) / (EARTH_RADIUS * math.cos(math.radians(lat)))
    return lon + math.degrees(dlon), lat + math.degrees(dlat)


def take_photos(rng, out_dir, patches, visit_dates, count):
    """1–3 photos for each of `count` patches that have a visit date; returns the Photo list."""
    os.makedirs(out_dir, exist_ok=True)
    visited = [p for p in patches if p.jcbh in visit_dates]
    chosen = [visited[k] for k in sorted(rng.choice(len(visited), size=min(count, len(visited)), replace=False))]
    photos = []
    for patch in chosen:
        for n in range(1, int(rng.integers(1, 4)) + 1):
            index = len(photos)
            lon, lat = patch.centroid_ll
            problem = None
            if index in FAR_PHOTO_INDEXES:
                lon, lat = _offset(lon, lat, rng.uniform(550, 900), rng.uniform(0, 2 * math.pi))
                problem = "拍摄位置距图斑 500 米以上 / taken 500 m+ from the patch"
            else:
                lon, lat = _offset(lon, lat, rng.uniform(0, 15), rng.uniform(0, 2 * math.pi))
            day = visit_dates[patch.jcbh]
            if index == EARLY_PHOTO_INDEX:
                hsx = datetime.date.fromisoformat(patch.hsx)
                day = hsx - datetime.timedelta(days=int(rng.integers(5, 40)))
                problem = "拍摄时间早于后时相 / taken before the later image date (HSX)"
            taken = datetime.datetime.combine(day, datetime.time(int(rng.integers(8, 17)), int(rng.integers(0, 60)),
                                                                 int(rng.integers(0, 60))))
            direction = float(rng.uniform(0, 360))
            path = os.path.join(out_dir, f"{patch.jcbh}_{n}.jpg")
            image = draw_scene(rng, patch, taken, lon, lat)
            image.save(path, "JPEG", quality=80, exif=exif_bytes(lon, lat, taken, direction))
            photos.append(Photo(path, patch.jcbh, lon, lat, taken, direction, problem))
    return photos


def read_gps(path):
    """(lon, lat) from a photo's EXIF (for tests and checks)."""
    gps = piexif.load(path)["GPS"]

    def degrees(dms, ref):
        value = sum(n / d / 60 ** k for k, (n, d) in enumerate(dms))
        return -value if ref in (b"S", b"W") else value
    return (degrees(gps[piexif.GPSIFD.GPSLongitude], gps[piexif.GPSIFD.GPSLongitudeRef]),
            degrees(gps[piexif.GPSIFD.GPSLatitude], gps[piexif.GPSIFD.GPSLatitudeRef]))
