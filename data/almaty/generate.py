#!/usr/bin/env python3
"""Generate the illustrative constraint dataset of the Almaty agglomeration.

APPROXIMATE, ILLUSTRATIVE, NOT OFFICIAL: every object is drawn from general
geographic knowledge at a plausible position. Nothing here is survey data; do
not use it for legal decisions. See README.md beside this file.

Deterministic and standard-library only:

    python3 data/almaty/generate.py            # rewrites data/almaty/*.geojson
    python3 data/almaty/generate.py OUT_DIR    # writes elsewhere

Irregularity (town outlines, meanders, shore bays) comes from fixed sine sums
whose frequencies and phases are drawn from a CRC32 hash, so two runs produce
the same bytes. Shapes are built in a local equirectangular metric frame and
written as WGS84 lon/lat with 6 decimals (RFC 7946: closed rings, exterior
rings counter-clockwise, holes clockwise).
"""

import json
import math
import os
import sys
import zlib

# ---------------------------------------------------------------------------
# Local metric frame (equirectangular around the agglomeration's centre).
# Its scale error (< 1 % over 42.9-44.0 N) only distorts shapes slightly.
# ---------------------------------------------------------------------------
LON0, LAT0 = 77.0, 43.5
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))


def to_xy(lon, lat):
    return ((lon - LON0) * M_PER_DEG_LON, (lat - LAT0) * M_PER_DEG_LAT)


def to_ll(x, y):
    return (LON0 + x / M_PER_DEG_LON, LAT0 + y / M_PER_DEG_LAT)


# ---------------------------------------------------------------------------
# Deterministic pseudo-randomness
# ---------------------------------------------------------------------------
def rnd(*keys):
    """A number in [0, 1) fixed by the keys (CRC32 of their text)."""
    return zlib.crc32("/".join(map(str, keys)).encode()) / 2**32


def wobble(seed, t, terms=3):
    """Smooth noise in about [-1, 1]: a sum of sines of t (t in cycles of the
    slowest term), with hashed frequencies and phases."""
    total, norm = 0.0, 0.0
    for j in range(terms):
        freq = (j + 1) * (0.8 + 0.6 * rnd(seed, "f", j))
        amp = 1.0 / (j + 1)
        total += amp * math.sin(2 * math.pi * (freq * t + rnd(seed, "p", j)))
        norm += amp
    return total / norm


# ---------------------------------------------------------------------------
# Polyline helpers (metric frame)
# ---------------------------------------------------------------------------
def seg_len(a, b):
    return math.hypot(b[0] - a[0], b[1] - a[1])


def length(pts):
    return sum(seg_len(pts[i], pts[i + 1]) for i in range(len(pts) - 1))


def catmull_rom(pts, per_seg=32):
    """Centripetal Catmull-Rom spline through pts (no cusps, no overshoot loops)."""
    if len(pts) < 3:
        return list(pts)
    first = (2 * pts[0][0] - pts[1][0], 2 * pts[0][1] - pts[1][1])
    last = (2 * pts[-1][0] - pts[-2][0], 2 * pts[-1][1] - pts[-2][1])
    p = [first] + list(pts) + [last]
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        t0 = 0.0
        t1 = t0 + max(seg_len(p0, p1), 1e-9) ** 0.5
        t2 = t1 + max(seg_len(p1, p2), 1e-9) ** 0.5
        t3 = t2 + max(seg_len(p2, p3), 1e-9) ** 0.5
        for k in range(per_seg):
            t = t1 + (t2 - t1) * k / per_seg

            def lerp(a, b, ta, tb):
                wa, wb = (tb - t) / (tb - ta), (t - ta) / (tb - ta)
                return (wa * a[0] + wb * b[0], wa * a[1] + wb * b[1])

            a1 = lerp(p0, p1, t0, t1)
            a2 = lerp(p1, p2, t1, t2)
            a3 = lerp(p2, p3, t2, t3)
            b1 = lerp(a1, a2, t0, t2)
            b2 = lerp(a2, a3, t1, t3)
            out.append(lerp(b1, b2, t1, t2))
    out.append(tuple(pts[-1]))
    return out


def resample(pts, step):
    """Points at equal arc-length spacing (close to step), ends kept."""
    total = length(pts)
    n = max(1, int(round(total / step)))
    out = [tuple(pts[0])]
    i, acc = 0, 0.0  # acc = arc length at pts[i]
    for k in range(1, n):
        target = total * k / n
        while acc + seg_len(pts[i], pts[i + 1]) < target:
            acc += seg_len(pts[i], pts[i + 1])
            i += 1
        d = seg_len(pts[i], pts[i + 1])
        f = (target - acc) / d if d else 0.0
        out.append((pts[i][0] + f * (pts[i + 1][0] - pts[i][0]),
                    pts[i][1] + f * (pts[i + 1][1] - pts[i][1])))
    out.append(tuple(pts[-1]))
    return out


def normals(pts):
    """Unit left-hand normals (tangent from the neighbours)."""
    out = []
    for i in range(len(pts)):
        a, b = pts[max(i - 1, 0)], pts[min(i + 1, len(pts) - 1)]
        d = seg_len(a, b) or 1.0
        out.append((-(b[1] - a[1]) / d, (b[0] - a[0]) / d))
    return out


def xy_of(ll_pts):
    return [to_xy(lon, lat) for lon, lat in ll_pts]


def smooth_line(ll_ctrl, step):
    """Smooth curve through lon/lat control points, resampled every ~step m."""
    return resample(catmull_rom(xy_of(ll_ctrl)), step)


def straight_line(ll_ctrl, step):
    """Straight spans between angle points (power lines), a vertex every ~step m."""
    xy = xy_of(ll_ctrl)
    out = [xy[0]]
    for a, b in zip(xy, xy[1:]):
        out += resample([a, b], step)[1:]
    return out


def meander(ll_ctrl, seed, step=100.0, mountain_lat=43.16):
    """A river axis: smooth base through the control points plus a lateral
    meander (~40 m amplitude in the mountains, ~90-160 m on the plain)."""
    base = resample(catmull_rom(xy_of(ll_ctrl)), 20.0)
    nrm = normals(base)
    total = length(base)
    out, s, phase = [], 0.0, 0.0
    for i, (x, y) in enumerate(base):
        if i:
            ds = seg_len(base[i - 1], base[i])
            s += ds
            lat = to_ll(x, y)[1]
            wavelength = (500.0 if lat < mountain_lat else 1300.0) * (1 + 0.35 * wobble(seed + "w", s / 9000.0))
            phase += 2 * math.pi * ds / wavelength
        lat = to_ll(x, y)[1]
        plain = min(1.0, max(0.0, (lat - mountain_lat) / 0.03))  # 0 mountains .. 1 plain
        amp = (40.0 + 85.0 * plain) * (1 + 0.3 * wobble(seed + "a", s / 7000.0))
        taper = min(1.0, s / 1500.0, (total - s) / 1500.0)
        off = amp * taper * (math.sin(phase) + 0.25 * math.sin(2 * phase + 6.283 * rnd(seed, "h")))
        out.append((x + nrm[i][0] * off, y + nrm[i][1] * off))
    return resample(out, step)


def star(lon, lat, rx, ry, seed, n, rough=0.18):
    """Irregular, star-shaped (hence simple) closed ring around a centre; CCW."""
    cx, cy = to_xy(lon, lat)
    ring = []
    for k in range(n):
        th = 2 * math.pi * k / n
        r = 1.0 + rough * wobble(seed, th / (2 * math.pi), terms=4) + 0.04 * math.sin(7 * th + 6.283 * rnd(seed, "s"))
        ring.append((cx + rx * r * math.cos(th), cy + ry * r * math.sin(th)))
    return ring + [ring[0]]


# ---------------------------------------------------------------------------
# GeoJSON output
# ---------------------------------------------------------------------------
def ll(xy_pts):
    return [[round(v, 6) for v in to_ll(x, y)] for x, y in xy_pts]


def signed_area(ring):
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:])) / 2.0


def ring_ll(ll_ring, ccw=True):
    """Round, close and orient a lon/lat ring."""
    r = [[round(lon, 6), round(lat, 6)] for lon, lat in ll_ring]
    if r[0] != r[-1]:
        r.append(list(r[0]))
    if (signed_area(r) > 0) != ccw:
        r.reverse()
    return r


def ring_xy(xy_ring, ccw=True):
    return ring_ll([to_ll(x, y) for x, y in xy_ring], ccw)


def line_geom(xy_pts):
    return {"type": "LineString", "coordinates": ll(xy_pts)}


def multiline_geom(parts):
    return {"type": "MultiLineString", "coordinates": [ll(p) for p in parts]}


def polygon_geom(exterior, holes=()):
    return {"type": "Polygon", "coordinates": [exterior] + [list(h) for h in holes]}


def feature(props, geometry):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write_layer(out_dir, name, features):
    ids = [f["properties"]["id"] for f in features]
    assert len(ids) == len(set(ids)), name
    body = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    text = '{"type":"FeatureCollection","name":"%s","features":[\n%s\n]}\n' % (name, body)
    with open(os.path.join(out_dir, name + ".geojson"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


# ---------------------------------------------------------------------------
# Settlements
# ---------------------------------------------------------------------------
# Almaty city: a hand-drawn irregular outline (counter-clockwise from the SW),
# 76.75-77.12 E, 43.17-43.40 N. Almaty-1 and Almaty-2 stations are inside.
ALMATY_OUTLINE = [
    (76.760, 43.200), (76.780, 43.192), (76.800, 43.185), (76.822, 43.178), (76.840, 43.175),
    (76.862, 43.181), (76.880, 43.180), (76.902, 43.174), (76.920, 43.172), (76.941, 43.179),
    (76.960, 43.185), (76.981, 43.179), (77.000, 43.175), (77.016, 43.184), (77.030, 43.190),
    (77.060, 43.200), (77.090, 43.215), (77.110, 43.240), (77.120, 43.270), (77.100, 43.300),
    (77.115, 43.330), (77.090, 43.360), (77.060, 43.370), (77.040, 43.372), (77.020, 43.375),
    (76.990, 43.380), (76.980, 43.385), (76.960, 43.392), (76.940, 43.400), (76.920, 43.397),
    (76.900, 43.395), (76.880, 43.399), (76.860, 43.400), (76.840, 43.394), (76.820, 43.390),
    (76.790, 43.370), (76.770, 43.350), (76.755, 43.320), (76.760, 43.290), (76.750, 43.260),
    (76.760, 43.230),
]

# name, centre lon/lat, semi-axes E-W / N-S in metres, vertices
TOWNS = [
    ("Kaskelen", 76.620, 43.200, 3000, 2400, 28),
    ("Talgar", 77.240, 43.300, 2500, 2200, 26),
    ("Esik", 77.450, 43.360, 2200, 1900, 22),
    ("Uzynagash", 76.310, 43.230, 2500, 2100, 24),
    ("Otegen Batyr", 77.020, 43.420, 2500, 2000, 24),
    ("Zhetygen", 77.100, 43.600, 2000, 1800, 20),
    # Kapshagay (Konaev since 2022): on the south-western shore, elongated E-W.
    ("Kapshagay", 77.068, 43.883, 3300, 2000, 30),
]


# The settlements' names in Kazakh and Russian (the permit desk finds them by any of the
# three); Kapshagay's official name since 2022 is Konaev, the scheme of 2020 says Kapshagay.
NAMES_KK_RU = {
    "Almaty": ("Алматы", "Алматы"),
    "Kaskelen": ("Қаскелең", "Каскелен"),
    "Talgar": ("Талғар", "Талгар"),
    "Esik": ("Есік", "Есик"),
    "Uzynagash": ("Ұзынағаш", "Узынагаш"),
    "Otegen Batyr": ("Өтеген батыр", "Отеген батыр"),
    "Zhetygen": ("Жетіген", "Жетыген"),
    "Kapshagay": ("Қапшағай", "Капшагай"),
}

# Every named feature's name in Kazakh and Russian (`name_kk`, `name_ru`): the permit desk
# and the reports show the name in the reader's language. Settlement names follow
# shared/seed/settlements.csv and the scheme's Kazakh text; the rest are the usual
# Kazakh and Russian names of the objects (the scheme's own where it names them), or a
# transliteration.
FEATURE_NAMES_KK_RU = {
    # railways (L247-250, L2420-2448)
    "Almaty-1 – Zhetygen – Khorgos railway": ("Алматы-1 – Жетіген – Қорғас теміржолы", "железная дорога Алматы-1 – Жетыген – Хоргос"),
    "Almaty-1 – Almaty-2 railway": ("Алматы-1 – Алматы-2 теміржолы", "железная дорога Алматы-1 – Алматы-2"),
    "Zhetygen – Kapshagay railway": ("Жетіген – Қапшағай теміржолы", "железная дорога Жетыген – Капшагай"),
    # power lines (L2016-2066)
    "Kapshagay HPP – Alma 220 kV line": ("Қапшағай СЭС – Алма 220 кВ әуе желісі", "ВЛ 220 кВ Капшагайская ГЭС – Алма"),
    "Alma – Koyankoz 220 kV line": ("Алма – Қоянкөз 220 кВ әуе желісі", "ВЛ 220 кВ Алма – Коянкоз"),
    "Koyankoz – Talgar – Esik 220 kV line": ("Қоянкөз – Талғар – Есік 220 кВ әуе желісі", "ВЛ 220 кВ Коянкоз – Талгар – Есик"),
    "Zapadnaya – Kaskelen – Almaty 220 kV line": ("Западная – Қаскелең – Алматы 220 кВ әуе желісі", "ВЛ 220 кВ Западная – Каскелен – Алматы"),
    "Alma 500 kV substation – north 500 kV line": ("Алма 500 кВ қосалқы станциясы – солтүстік 500 кВ әуе желісі", "ВЛ 500 кВ ПС 500 кВ Алма – север"),
    "Alma 500 kV substation – east 500 kV line": ("Алма 500 кВ қосалқы станциясы – шығыс 500 кВ әуе желісі", "ВЛ 500 кВ ПС 500 кВ Алма – восток"),
    "Alma 500 kV substation – west 500 kV line": ("Алма 500 кВ қосалқы станциясы – батыс 500 кВ әуе желісі", "ВЛ 500 кВ ПС 500 кВ Алма – запад"),
    # water bodies (L418, L527-563)
    "Kapshagay reservoir": ("Қапшағай су қоймасы", "Капшагайское водохранилище"),
    "Ulken Almaty": ("Үлкен Алматы өзені", "река Большая Алматинка"),
    "Kishi Almaty": ("Кіші Алматы өзені", "река Малая Алматинка"),
    "Aksai": ("Ақсай өзені", "река Аксай"),
    "Turgen": ("Түрген өзені", "река Тургень"),
    "Shamalgan": ("Шамалған өзені", "река Шамалган"),
    "Uzynkargaly": ("Ұзынқарғалы өзені", "река Узынкаргалы"),
    "Ashchybulak": ("Ащыбұлақ өзені", "река Ащибулак"),
    "Belbulak": ("Белбұлақ өзені", "река Бельбулак"),
    "Akbulak Club Resort pond": ("«Akbulak Club Resort» кешенінің тоғаны", "пруд комплекса «Akbulak Club Resort»"),
    "Lake Sorbulak": ("Сорбұлақ көлі", "озеро Сорбулак"),
    "Үлкен Алматы": ("Үлкен Алматы көлі", "Большое Алматинское озеро"),
    # water conduits (L284-288)
    "Talgar group water main": ("Талғар топтық су құбыры", "Талгарский групповой водовод"),
    "Kaskelen group water main": ("Қаскелең топтық су құбыры", "Каскеленский групповой водовод"),
    "Great Almaty Canal water conduit": ("Үлкен Алматы каналының су таратқышы", "водовод Большого Алматинского канала"),
    "Talgar town water main": ("Талғар қаласының су құбыры", "водовод города Талгар"),
    # gas pipelines (L513-526)
    "Bukhara gas region – Tashkent – Bishkek – Almaty, branch 1": ("Бұқара газды ауданы – Ташкент – Бішкек – Алматы, 1-тармақ", "Бухарский газоносный район – Ташкент – Бишкек – Алматы, нитка 1"),
    "Bukhara gas region – Tashkent – Bishkek – Almaty, branch 2": ("Бұқара газды ауданы – Ташкент – Бішкек – Алматы, 2-тармақ", "Бухарский газоносный район – Ташкент – Бишкек – Алматы, нитка 2"),
    "Kazakhstan – China trunk gas pipeline": ("Қазақстан – Қытай магистральдық газ құбыры", "магистральный газопровод Казахстан – Китай"),
    # road corridors (L216-240; ҮАААЖ is the big ring road, BAKAD)
    "Almaty – Oskemen: BAKAD – Kapshagay – Zhana Ile": ("Алматы – Өскемен: ҮАААЖ – Қапшағай – Жаңа Іле", "Алматы – Усть-Каменогорск: БАКАД – Капшагай – Жана Иле"),
    "Almaty – Oskemen: city boundary – BAKAD": ("Алматы – Өскемен: қала шекарасы – ҮАААЖ", "Алматы – Усть-Каменогорск: граница города – БАКАД"),
    "Western Europe – Western China": ("Батыс Еуропа – Батыс Қытай", "Западная Европа – Западный Китай"),
    "New Kulja highway: city boundary – BAKAD": ("Жаңа Құлжа тас жолы: қала шекарасы – ҮАААЖ", "Новокульджинский тракт: граница города – БАКАД"),
    "New Kulja highway: BAKAD – agglomeration boundary": ("Жаңа Құлжа тас жолы: ҮАААЖ – агломерация шекарасы", "Новокульджинский тракт: БАКАД – граница агломерации"),
    "Middle semi-ring (Pervomai and Kapshagay bypass)": ("Орта жартылай сақина (Первомай мен Қапшағайды айналып өту)", "Среднее полукольцо (обход Первомайского и Капшагая)"),
    "Upper Talgar highway: BAKAD – Talgar – Esik": ("Жоғарғы Талғар тас жолы: ҮАААЖ – Талғар – Есік", "Верхне-Талгарский тракт: БАКАД – Талгар – Есик"),
    "Upper Talgar highway: Esik – Kulja highway": ("Жоғарғы Талғар тас жолы: Есік – Құлжа тас жолы", "Верхне-Талгарский тракт: Есик – Кульджинский тракт"),
    "Almaty – Bishkek: BAKAD – Uzynagash": ("Алматы – Бішкек: ҮАААЖ – Ұзынағаш", "Алматы – Бишкек: БАКАД – Узынагаш"),
    "Additional exit (Western Europe – Western China): BAKAD – Uzynagash": ("Қосымша шығу жолы (Батыс Еуропа – Батыс Қытай): ҮАААЖ – Ұзынағаш", "Дополнительный выход (Западная Европа – Западный Китай): БАКАД – Узынагаш"),
    "Almaty – Khorgos (local road along the Zhetygen – Khorgos railway)": ("Алматы – Қорғас (Жетіген – Қорғас теміржолы бойындағы жергілікті жол)", "Алматы – Хоргос (местная дорога вдоль железной дороги Жетыген – Хоргос)"),
    "Almaty – Nur-Sultan: BAKAD – Akshi": ("Алматы – Нұр-Сұлтан: ҮАААЖ – Ақши", "Алматы – Нур-Султан: БАКАД – Акши"),
    # protected areas (L405-436)
    "Ile-Alatau State National Natural Park": ("Іле Алатауы мемлекеттік ұлттық табиғи паркі", "Иле-Алатауский государственный национальный природный парк"),
    "Almaty State Nature Reserve": ("Алматы мемлекеттік табиғи қорығы", "Алматинский государственный природный заповедник"),
    "Medeu regional natural park": ("«Медеу» мемлекеттік өңірлік табиғат паркі", "государственный региональный природный парк «Медеу»"),
    # functional zones (L122-133)
    "Western Ile-Alatau mountains: mountain natural-landscape recreation": ("Батыс Іле Алатауы таулары: таулы табиғи-ландшафттық рекреация", "горы Западного Иле Алатау: горная природно-ландшафтная рекреация"),
    "Ile-Alatau national park, central part": ("Іле Алатауы ұлттық паркі, орталық бөлігі", "Иле-Алатауский национальный парк, центральная часть"),
    "Ile-Alatau national park, east (the Almaty nature reserve is its own protected area)": ("Іле Алатауы ұлттық паркі, шығыс бөлігі (Алматы қорығы — жеке қорғалатын аумақ)", "Иле-Алатауский национальный парк, восточная часть (Алматинский заповедник — отдельная ООПТ)"),
    "Turgen gorge: mountain natural-landscape recreation": ("Түрген шатқалы: таулы табиғи-ландшафттық рекреация", "ущелье Тургень: горная природно-ландшафтная рекреация"),
    "Western foothill orchards (Kaskelen, Uzynagash)": ("Батыс тау бөктеріндегі бақтар (Қаскелең, Ұзынағаш)", "сады западных предгорий (Каскелен, Узынагаш)"),
    "Southern direction of Almaty: foothills": ("Алматының оңтүстік бағыты: тау бөктері", "южное направление Алматы: предгорья"),
    "Green belt around Almaty (proposed)": ("Алматы айналасындағы жасыл белдеу (ұсынылған)", "зеленый пояс вокруг Алматы (предлагаемый)"),
    "Eastern foothill orchards (Talgar, Esik)": ("Шығыс тау бөктеріндегі бақтар (Талғар, Есік)", "сады восточных предгорий (Талгар, Есик)"),
    "Turgen foothill fields": ("Түрген тау бөктеріндегі егістіктер", "предгорные поля Тургени"),
    "Western irrigated fields": ("Батыстағы суармалы егістіктер", "западные орошаемые поля"),
    "Industrial zones along the Kapshagay highway (Boraldai, Bereke)": ("Қапшағай тас жолы бойындағы өнеркәсіптік аймақтар (Боралдай, Береке)", "промышленные зоны вдоль Капшагайской трассы (Боралдай, Береке)"),
    "Collective gardens and dachas between Baiserke and Zhanalyk": ("Байсерке мен Жаңалық арасындағы ұжымдық бақтар мен саяжайлар", "коллективные сады и дачи между Байсерке и Жаналыком"),
    "Talgar and Enbekshikazakh irrigated fields": ("Талғар және Еңбекшіқазақ суармалы егістіктері", "орошаемые поля Талгара и Енбекшиказаха"),
    "Turgen plain fields": ("Түрген жазығының егістіктері", "равнинные поля Тургени"),
    "North-western pastures (Sorbulak)": ("Солтүстік-батыс жайылымдары (Сорбұлақ)", "северо-западные пастбища (Сорбулак)"),
    "Northern pastures (Zhetygen, Kapshagay)": ("Солтүстік жайылымдары (Жетіген, Қапшағай)", "северные пастбища (Жетыген, Капшагай)"),
    "Pastures south of the Kapshagay reservoir": ("Қапшағай су қоймасының оңтүстігіндегі жайылымдар", "пастбища к югу от Капшагайского водохранилища"),
    "Pastures south of the reservoir, east": ("Су қоймасының оңтүстігіндегі жайылымдар, шығыс", "пастбища к югу от водохранилища, восток"),
    "Kapshagay reservoir, southern waters": ("Қапшағай су қоймасы, оңтүстік акваториясы", "Капшагайское водохранилище, южная акватория"),
    "Kapshagay reservoir, southern waters, east": ("Қапшағай су қоймасы, оңтүстік акваториясы, шығыс", "Капшагайское водохранилище, южная акватория, восток"),
    "Lake Sorbulak (water fund)": ("Сорбұлақ көлі (су қоры)", "озеро Сорбулак (водный фонд)"),
    # hazards (L621-643)
    "Seismic intensity 9 points: foothills": ("Сейсмикалығы 9 балл: тау бөктері", "сейсмичность 9 баллов: предгорья"),
    "Seismic intensity 8 points: piedmont plain": ("Сейсмикалығы 8 балл: тау етегіндегі жазық", "сейсмичность 8 баллов: предгорная равнина"),
    "Kishi Almaty (Medeu) mudflow basin": ("Кіші Алматы (Медеу) сел алабы", "селевой бассейн Малой Алматинки (Медеу)"),
    "Talgar river mudflow fan": ("Талғар өзенінің сел конусы", "селевой конус реки Талгар"),
    "Upper Kishi Almaty avalanche slopes": ("Жоғарғы Кіші Алматының қар көшкіні беткейлері", "лавиноопасные склоны верховьев Малой Алматинки"),
    "Kaskelen river floodplain": ("Қаскелең өзенінің жайылмасы", "пойма реки Каскелен"),
    "Landslide slopes above Kargaly": ("Қарғалы үстіндегі көшкін беткейлері", "оползневые склоны над Каргалы"),
    "Landslide-prone foothills east of Medeu": ("Медеудің шығысындағы көшкін қаупі бар тау бөктері", "оползнеопасные предгорья восточнее Медеу"),
    "Loess subsidence area by the Shamalgan": ("Шамалған маңындағы лесс шөгу аумағы", "территория лессовых просадок у Шамалгана"),
    # heritage (L457-469, L3646-3662)
    "Talgar ancient settlement protection zone": ("Талғар қалашығының қорғау аймағы", "охранная зона городища Талгар"),
    "Esik burial ground (Esik state reserve-museum)": ("Есік қорымы («Есік» мемлекеттік тарихи-мәдени қорық-мұражайы)", "Иссыкский могильник (государственный историко-культурный заповедник-музей «Есик»)"),
    "Boraldai Saka kurgans": ("Боралдай сақ қорғандары", "Боралдайские сакские курганы"),
    # enterprises (L505-506)
    "Almaty CHP-2 site": ("Алматы ЖЭО-2 алаңы", "площадка Алматинской ТЭЦ-2"),
    "MSW landfill north-east of Kaskelen (Umtyl okrug, planned)": ("Қаскелеңнің солтүстік-шығысындағы ҚТҚ полигоны (Үмтыл округі, жоспарланған)", "полигон ТБО северо-восточнее Каскелена (Умтылский округ, планируемый)"),
}


def with_names(features):
    """Adds `name_kk` and `name_ru` to every named feature; a name without both is a bug."""
    for f in features:
        props = f["properties"]
        name = props.get("name")
        if name is None or "name_kk" in props:
            continue
        base = name[: -len(" (settlement)")] if name.endswith(" (settlement)") else None
        if base is not None:
            kk, ru = NAMES_KK_RU[base]
            kk, ru = kk + " (елді мекен)", ru + " (населенный пункт)"
        else:
            kk, ru = FEATURE_NAMES_KK_RU[name]
        props["name_kk"], props["name_ru"] = kk, ru
    return features


def settlement_props(sid, name):
    kk, ru = NAMES_KK_RU[name]
    return {"id": sid, "name": name, "name_kk": kk, "name_ru": ru}


def settlements():
    feats = [feature(settlement_props("set-001", "Almaty"),
                     polygon_geom(ring_ll(ALMATY_OUTLINE)))]
    for i, (name, lon, lat, rx, ry, n) in enumerate(TOWNS, start=2):
        ring = star(lon, lat, rx, ry, "town-" + name, n)
        feats.append(feature(settlement_props("set-%03d" % i, name), polygon_geom(ring_xy(ring))))
    return feats


# ---------------------------------------------------------------------------
# Railways (smooth track axes, a vertex every ~300 m)
# ---------------------------------------------------------------------------
ALMATY_1 = (76.941, 43.336)
ZHETYGEN_STN = (77.100, 43.600)
RAIL_MAIN = [
    ALMATY_1, (76.958, 43.355), (76.978, 43.378), (77.005, 43.420), (77.030, 43.462),
    (77.060, 43.512), (77.085, 43.562), ZHETYGEN_STN, (77.160, 43.612), (77.300, 43.628),
    (77.500, 43.645), (77.700, 43.658), (77.900, 43.666), (78.100, 43.672), (78.300, 43.680),
]
RAIL_A1_A2 = [ALMATY_1, (76.934, 43.322), (76.930, 43.302), (76.935, 43.286), (76.942, 43.271)]
RAIL_ZH_KAP = [ZHETYGEN_STN, (77.097, 43.700), (77.087, 43.800), (77.074, 43.872)]


def railways():
    return [
        feature({"id": "rail-001", "name": "Almaty-1 – Zhetygen – Khorgos railway"},
                line_geom(smooth_line(RAIL_MAIN, 300))),
        feature({"id": "rail-002", "name": "Almaty-1 – Almaty-2 railway"},
                line_geom(smooth_line(RAIL_A1_A2, 250))),
        feature({"id": "rail-003", "name": "Zhetygen – Kapshagay railway"},
                line_geom(smooth_line(RAIL_ZH_KAP, 300))),
    ]


# ---------------------------------------------------------------------------
# Power lines (straight spans, a tower every ~400 m). Only 220 and 500 kV.
# ---------------------------------------------------------------------------
ALMA_SS = (76.912, 43.532)      # Alma 500 kV substation, north of the city
KOYANKOZ_SS = (77.065, 43.348)  # No. 154 Koyankoz 220/110/10 kV, NE Almaty
KAPSHAGAY_HPP = (77.045, 43.918)
ZAPADNAYA_SS = (76.430, 43.252)  # No. 140A Zapadnaya 220/110/10 kV, Zhambyl district

POWER = [
    ("pl-001", "Kapshagay HPP – Alma 220 kV line", 220,
     [KAPSHAGAY_HPP, (76.995, 43.890), (76.965, 43.800), (76.935, 43.660), ALMA_SS]),
    ("pl-002", "Alma – Koyankoz 220 kV line", 220,
     [ALMA_SS, (77.000, 43.505), (77.070, 43.455), (77.078, 43.390), KOYANKOZ_SS]),
    ("pl-003", "Koyankoz – Talgar – Esik 220 kV line", 220,
     [KOYANKOZ_SS, (77.105, 43.318), (77.190, 43.328), (77.270, 43.336), (77.350, 43.355), (77.415, 43.372)]),
    ("pl-004", "Zapadnaya – Kaskelen – Almaty 220 kV line", 220,
     [ZAPADNAYA_SS, (76.520, 43.246), (76.600, 43.245), (76.700, 43.245), (76.780, 43.255)]),
    ("pl-005", "Alma 500 kV substation – north 500 kV line", 500,
     [ALMA_SS, (76.905, 43.700), (76.895, 43.950)]),
    ("pl-006", "Alma 500 kV substation – east 500 kV line", 500,
     [ALMA_SS, (77.050, 43.525), (77.200, 43.510), (77.500, 43.500), (77.900, 43.505), (78.300, 43.510)]),
    ("pl-007", "Alma 500 kV substation – west 500 kV line", 500,
     [ALMA_SS, (76.700, 43.515), (76.450, 43.480), (76.200, 43.450), (76.000, 43.430)]),
]


def power_lines():
    return [feature({"id": fid, "name": name, "voltage_kv": kv}, line_geom(straight_line(pts, 400)))
            for fid, name, kv, pts in POWER]


# ---------------------------------------------------------------------------
# Water bodies
# ---------------------------------------------------------------------------
# Kapshagay reservoir, 479.0 m contour: centreline from the dam eastwards with a
# half-width profile (km) by longitude; the dam is the straight western edge.
KAP_CENTRE = [(77.050, 43.918), (77.150, 43.940), (77.300, 43.965), (77.500, 43.975),
              (77.700, 43.955), (77.900, 43.920), (78.100, 43.880), (78.300, 43.855)]
KAP_HALF_KM = [(77.05, 0.7), (77.15, 2.0), (77.30, 5.0), (77.50, 7.0), (77.70, 9.0),
               (77.90, 8.0), (78.10, 6.0), (78.25, 3.5), (78.30, 0.4)]


def interp(table, x):
    if x <= table[0][0]:
        return table[0][1]
    for (x0, y0), (x1, y1) in zip(table, table[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return table[-1][1]


def kapshagay_ring():
    centre = resample(catmull_rom(xy_of(KAP_CENTRE)), 1800.0)
    nrm = normals(centre)
    north, south = [], []
    for i, (x, y) in enumerate(centre):
        hw = 1000.0 * interp(KAP_HALF_KM, to_ll(x, y)[0])
        t = i / 10.0
        hn = hw * (1 + 0.14 * wobble("kap-n", t, terms=4))  # bays and capes
        hs = hw * (1 + 0.14 * wobble("kap-s", t, terms=4))
        north.append((x + nrm[i][0] * hn, y + nrm[i][1] * hn))
        south.append((x - nrm[i][0] * hs, y - nrm[i][1] * hs))
    ring = south + [centre[-1]] + north[::-1]  # CCW: south shore W->E, back along the north
    return ring + [ring[0]]


# River axes: control points from the Ile-Alatau (south) to the plain (north).
RIVERS = [
    ("Ulken Almaty", [(76.985, 43.050), (76.930, 43.110), (76.895, 43.165), (76.885, 43.250),
                      (76.890, 43.330), (76.885, 43.400), (76.880, 43.500), (76.870, 43.600)]),
    ("Kishi Almaty", [(77.080, 43.050), (77.060, 43.150), (77.000, 43.210), (76.975, 43.270),
                      (76.972, 43.330), (76.968, 43.390), (76.970, 43.450), (76.975, 43.550),
                      (76.980, 43.620)]),
    ("Aksai", [(76.830, 43.050), (76.815, 43.120), (76.805, 43.200), (76.795, 43.300),
               (76.785, 43.400)]),
    ("Turgen", [(77.785, 43.050), (77.770, 43.130), (77.758, 43.250), (77.745, 43.400),
                (77.725, 43.550), (77.710, 43.700)]),  # + mouth on the reservoir shore
    ("Shamalgan", [(76.575, 43.050), (76.560, 43.120), (76.555, 43.200), (76.545, 43.320),
                   (76.548, 43.400), (76.550, 43.460)]),
    ("Uzynkargaly", [(76.390, 43.050), (76.375, 43.120), (76.365, 43.200), (76.360, 43.300),
                     (76.355, 43.400), (76.350, 43.480)]),
    ("Ashchybulak", [(76.765, 43.430), (76.755, 43.520), (76.750, 43.620), (76.745, 43.720)]),
    ("Belbulak", [(77.175, 43.060), (77.165, 43.130), (77.155, 43.200), (77.148, 43.280),
                  (77.142, 43.350), (77.130, 43.420)]),
]


def water_bodies():
    kap = kapshagay_ring()
    feats = [feature({"id": "wb-001", "name": "Kapshagay reservoir", "kind": "reservoir"},
                     polygon_geom(ring_xy(kap)))]
    # The Turgen ends on the south-shore vertex nearest to 77.70 E.
    south = kap[: len(kap) // 2]
    mouth = min(south, key=lambda p: abs(to_ll(*p)[0] - 77.70))
    for i, (name, ctrl) in enumerate(RIVERS, start=2):
        ctrl = list(ctrl) + ([to_ll(*mouth)] if name == "Turgen" else [])
        feats.append(feature({"id": "wb-%03d" % i, "name": name, "kind": "river"},
                             line_geom(meander(ctrl, "river-" + name))))
    n = len(feats) + 1
    # Decree 241/2012 covers the water bodies of the resort complex in Talgar district
    # (L559-561): the district tells them from the Karasai Ақбұлақ reservoir (L2877).
    pond = star(77.200, 43.150, 160, 130, "akbulak", 14, rough=0.15)
    feats.append(feature({"id": "wb-%03d" % n, "name": "Akbulak Club Resort pond", "kind": "pond",
                          "district": "Talgar", "complex": "akbulak_club_resort"},
                         polygon_geom(ring_xy(pond))))
    lake = star(76.650, 43.670, 3000, 2000, "sorbulak", 32, rough=0.14)
    feats.append(feature({"id": "wb-%03d" % (n + 1), "name": "Lake Sorbulak", "kind": "lake"},
                         polygon_geom(ring_xy(lake))))
    # The lake Үлкен Алматы көлі (L418), below the source of the Ulken Almaty river: named
    # like the river of decree 246/2011, but a lake, so the decree's widths are not its.
    big_lake = star(76.986, 43.033, 650, 850, "ulken-almaty-lake", 18, rough=0.10)
    feats.append(feature({"id": "wb-%03d" % (n + 2), "name": "Үлкен Алматы", "kind": "lake"},
                         polygon_geom(ring_xy(big_lake))))
    return feats


# ---------------------------------------------------------------------------
# Water conduits (outermost conduit axis, a vertex every ~200 m)
# ---------------------------------------------------------------------------
CONDUITS = [
    ("wc-001", "Talgar group water main", 800, "dry",
     [(77.262, 43.232), (77.235, 43.246), (77.200, 43.256), (77.165, 43.262), (77.128, 43.268)]),
    ("wc-002", "Kaskelen group water main", 1200, "dry",
     [(76.660, 43.214), (76.700, 43.219), (76.730, 43.222), (76.752, 43.226)]),
    ("wc-003", "Great Almaty Canal water conduit", 1400, "wet",
     [(77.275, 43.372), (77.330, 43.383), (77.385, 43.392)]),
    # From the fields south of Talgar into the town: the belt stops at the town (L284).
    ("wc-004", "Talgar town water main", 500, "dry",
     [(77.212, 43.262), (77.222, 43.275), (77.231, 43.288), (77.238, 43.300)]),
]


def water_conduits():
    return [feature({"id": fid, "name": name, "diameter_mm": d, "soil": soil},
                    line_geom(smooth_line(pts, 200)))
            for fid, name, d, soil, pts in CONDUITS]


# ---------------------------------------------------------------------------
# Gas pipelines (axis, a vertex every ~500 m). No protection_m: the law's 50 m.
# ---------------------------------------------------------------------------
ORBITA = (76.830, 43.220)  # "Orbita" gas distribution station (Almaty GDS-1)
GAS = [
    ("gas-001", "Bukhara gas region – Tashkent – Bishkek – Almaty, branch 1", 1020,
     [(76.000, 43.172), (76.200, 43.168), (76.310, 43.172), (76.450, 43.166), (76.580, 43.152),
      (76.700, 43.158), (76.780, 43.190), ORBITA]),
    ("gas-002", "Bukhara gas region – Tashkent – Bishkek – Almaty, branch 2", 530,
     [(76.000, 43.158), (76.200, 43.152), (76.310, 43.155), (76.450, 43.150), (76.580, 43.138),
      (76.700, 43.145), (76.785, 43.178), ORBITA]),
    ("gas-003", "Kazakhstan – China trunk gas pipeline", 1067,
     [(76.000, 43.560), (76.300, 43.575), (76.650, 43.605), (76.900, 43.640), (77.020, 43.665),
      (77.200, 43.700), (77.500, 43.720), (77.900, 43.730), (78.300, 43.735)]),
]


def gas_pipelines():
    return [feature({"id": fid, "name": name, "diameter_mm": d}, line_geom(smooth_line(pts, 500)))
            for fid, name, d, pts in GAS]


# ---------------------------------------------------------------------------
# Reserved road corridors (axes of scheme items R32-R43, a vertex every ~250 m).
# Sections start where they would meet the BAKAD ring, which is not itself an item:
# BAKAD ~ (76.68,43.18) (76.67,43.26) (76.68,43.31) (76.71,43.39) (76.80,43.445)
#         (76.94,43.466) (77.10,43.455) (77.15,43.43) (77.17,43.36) (77.175,43.285)
# ---------------------------------------------------------------------------
def khorgos_local_road():
    """~300-600 m south of the Zhetygen - Khorgos railway, from east of Zhetygen."""
    base = resample(catmull_rom(xy_of(RAIL_MAIN)), 50.0)
    nrm = normals(base)
    pts = []
    for i, (x, y) in enumerate(base):
        if to_ll(x, y)[0] < 77.14:
            continue
        off = 450.0 + 120.0 * wobble("khorgos-road", len(pts) / 400.0)
        pts.append((x - nrm[i][0] * off, y - nrm[i][1] * off))
    return resample(pts, 250.0)


CORRIDORS = [
    ("rc-001", "Almaty – Oskemen: BAKAD – Kapshagay – Zhana Ile", 226.5,
     [[(76.940, 43.466), (76.945, 43.550), (76.960, 43.700), (77.000, 43.800), (77.010, 43.860),
       (77.020, 43.950), (77.000, 44.020)]]),
    ("rc-002", "Almaty – Oskemen: city boundary – BAKAD", 150,
     [[(76.925, 43.3981), (76.935, 43.435), (76.940, 43.466)]]),
    ("rc-003", "Western Europe – Western China", 130,
     [[(76.683, 43.310), (76.550, 43.338), (76.400, 43.332), (76.200, 43.312), (76.000, 43.300)],
      [(77.150, 43.430), (77.250, 43.490), (77.400, 43.555), (77.600, 43.575), (77.900, 43.590),
       (78.300, 43.600)]]),
    ("rc-004", "New Kulja highway: city boundary – BAKAD", 125,
     [[(77.115, 43.330), (77.140, 43.347), (77.170, 43.360)]]),
    ("rc-005", "New Kulja highway: BAKAD – agglomeration boundary", 140,
     [[(77.170, 43.360), (77.300, 43.415), (77.500, 43.430), (77.850, 43.445), (78.300, 43.455)]]),
    ("rc-006", "Middle semi-ring (Pervomai and Kapshagay bypass)", None,
     [[(76.630, 43.322), (76.640, 43.420), (76.700, 43.530), (76.800, 43.585), (76.900, 43.612),
       (76.952, 43.620)],
      [(77.000, 43.800), (77.060, 43.825), (77.120, 43.835), (77.150, 43.860), (77.170, 43.885)]]),
    ("rc-007", "Upper Talgar highway: BAKAD – Talgar – Esik", 50,
     [[(77.175, 43.285), (77.240, 43.295), (77.330, 43.320), (77.440, 43.355)]]),
    ("rc-008", "Upper Talgar highway: Esik – Kulja highway", 150,
     [[(77.480, 43.362), (77.600, 43.385), (77.720, 43.415), (77.850, 43.445)]]),
    ("rc-009", "Almaty – Bishkek: BAKAD – Uzynagash", 140,
     [[(76.680, 43.178), (76.620, 43.190), (76.550, 43.195), (76.450, 43.203), (76.345, 43.222)]]),
    ("rc-010", "Additional exit (Western Europe – Western China): BAKAD – Uzynagash", 330.5,
     [[(76.672, 43.255), (76.550, 43.265), (76.420, 43.255), (76.338, 43.242)]]),
    ("rc-011", "Almaty – Khorgos (local road along the Zhetygen – Khorgos railway)", 50, None),
    ("rc-012", "Almaty – Nur-Sultan: BAKAD – Akshi", 140,
     [[(76.712, 43.392), (76.700, 43.500), (76.712, 43.600), (76.715, 43.680), (76.705, 43.760)]]),
]


def road_corridors():
    feats = []
    for fid, name, width, parts in CORRIDORS:
        props = {"id": fid, "name": name}
        if width is not None:  # the middle semi-ring has only a range (132-330.5 m)
            props["corridor_m"] = width
        if parts is None:
            geom = line_geom(khorgos_local_road())
        elif len(parts) == 1:
            geom = line_geom(smooth_line(parts[0], 250))
        else:
            geom = multiline_geom([smooth_line(p, 250) for p in parts])
        feats.append(feature(props, geom))
    return feats


# ---------------------------------------------------------------------------
# Protected areas. The national park's boundary follows the Medeu park's southern
# edge and the nature reserve's outline exactly, so they touch but never overlap.
# ---------------------------------------------------------------------------
MEDEU_LOWER = [(77.020, 43.130), (77.035, 43.122), (77.055, 43.118), (77.075, 43.121), (77.090, 43.130)]
MEDEU_UPPER = [(77.097, 43.145), (77.086, 43.160), (77.066, 43.168), (77.045, 43.165),
               (77.026, 43.156), (77.014, 43.142)]
# Reserve, counter-clockwise from its SW corner; corners SW/SE lie on the park's south edge.
RESERVE_SOUTH = [(77.300, 42.950), (77.380, 42.930), (77.480, 42.925), (77.560, 42.935), (77.600, 42.950)]
RESERVE_REST = [(77.612, 43.000), (77.597, 43.058), (77.578, 43.095), (77.500, 43.102), (77.420, 43.106),
                (77.350, 43.096), (77.312, 43.050), (77.295, 43.000)]
# Foothill line (north edge of the national park), west to east, split at Medeu.
FOOTHILLS_W = [(76.600, 43.120), (76.700, 43.116), (76.800, 43.121), (76.900, 43.126), (76.960, 43.131),
               MEDEU_LOWER[0]]
FOOTHILLS_E = [MEDEU_LOWER[-1], (77.130, 43.128), (77.200, 43.125), (77.300, 43.138), (77.400, 43.148),
               (77.500, 43.150), (77.600, 43.144), (77.700, 43.138), (77.800, 43.130)]


def foothill(ctrl, seed):
    """Foothill edge with ~200 m irregularity, a vertex every ~1 km, ends exact."""
    pts = resample(catmull_rom(xy_of(ctrl)), 1000.0)
    out = [to_ll(*pts[0])]
    for k, (x, y) in enumerate(pts[1:-1], start=1):
        out.append(to_ll(x, y + 200.0 * wobble(seed, k / 8.0)))
    return out + [to_ll(*pts[-1])]


def protected_areas():
    west = foothill(FOOTHILLS_W, "park-w")
    east = foothill(FOOTHILLS_E, "park-e")
    # CCW: south edge W->E (around the reserve from its north), east edge, north edge E->W.
    park = ([(76.600, 42.950)] + [RESERVE_SOUTH[0]] + RESERVE_REST[::-1] + [RESERVE_SOUTH[-1]]
            + [(77.800, 42.950), (77.825, 43.030)] + east[::-1] + MEDEU_LOWER[::-1][1:-1]
            + west[::-1] + [(76.585, 43.040)])
    medeu = MEDEU_LOWER + MEDEU_UPPER
    reserve = RESERVE_SOUTH + RESERVE_REST
    return [
        feature({"id": "pa-001", "name": "Ile-Alatau State National Natural Park",
                 "category": "state national natural park"}, polygon_geom(ring_ll(park))),
        feature({"id": "pa-002", "name": "Almaty State Nature Reserve",
                 "category": "state nature reserve"}, polygon_geom(ring_ll(reserve))),
        feature({"id": "pa-003", "name": "Medeu regional natural park",
                 "category": "state regional natural park"}, polygon_geom(ring_ll(medeu))),
    ]


# ---------------------------------------------------------------------------
# Functional zones (base zoning, scheme L122-133): a tiling of the agglomeration
# into columns (straight meridian cuts) and bands (west-east lines sampled at every
# 0.01 deg of longitude, shared by the cells on both sides), so neighbouring zones
# meet exactly. Settlements, the Almaty green belt's city and Lake Sorbulak are holes
# in the cell around them and zones of their own, with the very same rings.
# ---------------------------------------------------------------------------
ZONE_LONS = [round(76.25 + 0.01 * k, 2) for k in range(int(round((77.85 - 76.25) / 0.01)) + 1)]
COLUMN_CUTS = [76.25, 76.74, 77.15, 77.60, 77.85]


def _kap_shore_lat(lon):
    """Latitude of the reservoir's south shore (the 479.0 m contour) at lon."""
    kap = kapshagay_ring()
    south = [to_ll(x, y) for x, y in kap[: len(kap) // 2]]
    for (lo0, la0), (lo1, la1) in zip(south, south[1:]):
        if lo0 <= lon <= lo1:
            return la0 + (la1 - la0) * (lon - lo0) / (lo1 - lo0)
    return south[0][1] if lon < south[0][0] else south[-1][1]


def _band(seed, base, amp):
    """A band line: lat = base(lon) + a small smooth wobble, at every ZONE_LONS."""
    return {lon: round(base(lon) + amp * wobble(seed, (lon - 76.25) / 0.35), 6) for lon in ZONE_LONS}


def _step(table):
    """Piecewise-linear function of lon through (lon, lat) knots."""
    return lambda lon: interp(table, lon)


BAND_SOUTH = _band("zone-s", lambda lon: 43.045, 0.004)
BAND_FOOT = _band("zone-foot", lambda lon: 43.108, 0.003)
# South of Almaty: the southern direction ends at the green belt (only in 76.74-77.15).
BAND_SOUTH_DIR = {lon: (43.1665 if lon < 76.995 else 43.1705) for lon in ZONE_LONS}
# Plain edge: north of Almaty (its outline reaches 43.400), below Otegen Batyr (43.403+).
BAND_PLAIN = _band("zone-plain", _step([(76.25, 43.300), (76.70, 43.300), (76.74, 43.412),
                                        (76.96, 43.412), (76.98, 43.392), (77.07, 43.392),
                                        (77.09, 43.400), (77.15, 43.405), (77.20, 43.412),
                                        (77.85, 43.420)]), 0.0)
BAND_PROD = {lon: 43.455 for lon in ZONE_LONS}  # production sub-zone's north edge (C1)
BAND_NORTH = _band("zone-north", lambda lon: 43.570, 0.004)
# North edge: west of Almaty above Lake Sorbulak, north of Kapshagay town around the
# dam, then the reservoir's south shore; the water-fund strip lies on the water.
BAND_TOP = {lon: (43.705 if lon < 76.74 else 43.930 if lon < 77.15 else round(_kap_shore_lat(lon) - 0.002, 6))
            for lon in ZONE_LONS}
BAND_WATER = {lon: round(BAND_TOP[lon] + 0.030, 6) for lon in ZONE_LONS}


def _cell(lon_a, lon_b, bottom, top):
    """Ring of the cell between two meridians and two band lines (CCW)."""
    lons = [lon for lon in ZONE_LONS if lon_a <= lon <= lon_b]
    ring = [(lon, bottom[lon]) for lon in lons] + [(lon, top[lon]) for lon in reversed(lons)]
    return ring + [ring[0]]


def _hole(ring):
    """A CCW ring as a hole (clockwise)."""
    return list(reversed(ring))


NATIONAL_PARK = {"category": "state national natural park"}


def functional_zones():
    towns = {f["properties"]["name"]: f["geometry"]["coordinates"][0] for f in settlements()}
    sorbulak = next(f for f in water_bodies() if f["properties"]["name"] == "Lake Sorbulak")
    lake = sorbulak["geometry"]["coordinates"][0]
    c0, c1, c2, c3, c4 = COLUMN_CUTS
    cells = [
        # (name, group, subzone, extra properties, lon_a, lon_b, bottom, top, holes)
        ("Western Ile-Alatau mountains: mountain natural-landscape recreation", 3, "3.recreation", {},
         c0, c1, BAND_SOUTH, BAND_FOOT, []),
        # The national park is a park zone under art. 45 of the SPNA Law (L422-425, L470-473),
        # not the `3.spna` sub-zone, which the text makes the reserves, zakazniks and
        # natural monuments (L401-402). The Almaty nature reserve inside the east cell is
        # its own protected area (`protected_areas`, arts. 41-42).
        ("Ile-Alatau national park, central part", 3, "3.park", NATIONAL_PARK,
         c1, c2, BAND_SOUTH, BAND_FOOT, []),
        ("Ile-Alatau national park, east (the Almaty nature reserve is its own protected area)", 3, "3.park",
         NATIONAL_PARK, c2, c3, BAND_SOUTH, BAND_FOOT, []),
        ("Turgen gorge: mountain natural-landscape recreation", 3, "3.recreation", {},
         c3, c4, BAND_SOUTH, BAND_FOOT, []),
        ("Western foothill orchards (Kaskelen, Uzynagash)", 2, "2.horticulture", {},
         c0, c1, BAND_FOOT, BAND_PLAIN, [towns["Kaskelen"], towns["Uzynagash"]]),
        ("Southern direction of Almaty: foothills", 2, "2.horticulture", {"direction": "south"},
         c1, c2, BAND_FOOT, BAND_SOUTH_DIR, []),
        ("Green belt around Almaty (proposed)", 3, "3.park", {},
         c1, c2, BAND_SOUTH_DIR, BAND_PLAIN, [towns["Almaty"]]),
        ("Eastern foothill orchards (Talgar, Esik)", 2, "2.horticulture", {},
         c2, c3, BAND_FOOT, BAND_PLAIN, [towns["Talgar"], towns["Esik"]]),
        ("Turgen foothill fields", 2, "2.arable", {}, c3, c4, BAND_FOOT, BAND_PLAIN, []),
        ("Western irrigated fields", 2, "2.arable", {}, c0, c1, BAND_PLAIN, BAND_NORTH, []),
        ("Industrial zones along the Kapshagay highway (Boraldai, Bereke)", 1, "1.production", {},
         c1, c2, BAND_PLAIN, BAND_PROD, [towns["Otegen Batyr"]]),
        ("Collective gardens and dachas between Baiserke and Zhanalyk", 2, "2.dacha", {},
         c1, c2, BAND_PROD, BAND_NORTH, []),
        ("Talgar and Enbekshikazakh irrigated fields", 2, "2.arable", {}, c2, c3, BAND_PLAIN, BAND_NORTH, []),
        ("Turgen plain fields", 2, "2.arable", {}, c3, c4, BAND_PLAIN, BAND_NORTH, []),
        ("North-western pastures (Sorbulak)", 2, "2.pasture", {}, c0, c1, BAND_NORTH, BAND_TOP, [lake]),
        ("Northern pastures (Zhetygen, Kapshagay)", 2, "2.pasture", {}, c1, c2, BAND_NORTH, BAND_TOP,
         [towns["Zhetygen"], towns["Kapshagay"]]),
        ("Pastures south of the Kapshagay reservoir", 2, "2.pasture", {}, c2, c3, BAND_NORTH, BAND_TOP, []),
        ("Pastures south of the reservoir, east", 2, "2.pasture", {}, c3, c4, BAND_NORTH, BAND_TOP, []),
        ("Kapshagay reservoir, southern waters", 4, "4.water_fund", {}, c2, c3, BAND_TOP, BAND_WATER, []),
        ("Kapshagay reservoir, southern waters, east", 4, "4.water_fund", {}, c3, c4, BAND_TOP, BAND_WATER, []),
    ]
    feats = []
    for i, (name, group, sub, extra, a, b, bottom, top, holes) in enumerate(cells, start=1):
        props = {"id": "fz-%03d" % i, "name": name, "group": group, "subzone": sub}
        props.update(extra)
        feats.append(feature(props, polygon_geom(ring_ll(_cell(a, b, bottom, top)),
                                                 [_hole(h) for h in holes])))
    n = len(feats)
    for k, (name, ring) in enumerate(towns.items(), start=1):
        feats.append(feature({"id": "fz-%03d" % (n + k), "name": name + " (settlement)", "group": 1,
                              "subzone": "1.settlement"}, polygon_geom(ring)))
    feats.append(feature({"id": "fz-%03d" % (n + len(towns) + 1), "name": "Lake Sorbulak (water fund)",
                          "group": 4, "subzone": "4.water_fund"}, polygon_geom(lake)))
    return feats


# ---------------------------------------------------------------------------
# Hazards (overlays, scheme L621-643): seismic zoning as two bands sharing one line,
# mudflow / avalanche / flood / geological areas as irregular blobs.
# ---------------------------------------------------------------------------
SEISMIC_LONS = [round(76.26 + 0.01 * k, 2) for k in range(int(round((77.84 - 76.26) / 0.01)) + 1)]
SEISMIC_SPLIT = {lon: round(43.225 + 0.006 * wobble("seismic", (lon - 76.26) / 0.4), 6) for lon in SEISMIC_LONS}


def hazards():
    south = {lon: 43.05 for lon in SEISMIC_LONS}
    north = {lon: round(43.50 + 0.004 * wobble("seismic-n", (lon - 76.26) / 0.5), 6) for lon in SEISMIC_LONS}

    def band(bottom, top):
        ring = [(lon, bottom[lon]) for lon in SEISMIC_LONS] + [(lon, top[lon]) for lon in reversed(SEISMIC_LONS)]
        return ring_ll(ring + [ring[0]])

    blobs = [
        ("hz-003", "Kishi Almaty (Medeu) mudflow basin", {"kind": "mudflow"}, (77.072, 43.135, 1600, 3800, 22)),
        ("hz-004", "Talgar river mudflow fan", {"kind": "mudflow"}, (77.236, 43.215, 1300, 4200, 20)),
        ("hz-005", "Upper Kishi Almaty avalanche slopes", {"kind": "avalanche"}, (77.078, 43.078, 1800, 1800, 18)),
        ("hz-006", "Kaskelen river floodplain", {"kind": "flood"}, (76.640, 43.455, 1100, 3200, 20)),
        ("hz-007", "Landslide slopes above Kargaly", {"kind": "landslide", "impact": "intense"},
         (76.860, 43.138, 1700, 1000, 18)),
        ("hz-008", "Landslide-prone foothills east of Medeu", {"kind": "landslide"}, (77.125, 43.150, 1400, 900, 16)),
        ("hz-009", "Loess subsidence area by the Shamalgan", {"kind": "subsidence"}, (76.590, 43.500, 2300, 1800, 20)),
    ]
    feats = [
        feature({"id": "hz-001", "name": "Seismic intensity 9 points: foothills", "kind": "seismic",
                 "intensity": 9}, polygon_geom(band(south, SEISMIC_SPLIT))),
        feature({"id": "hz-002", "name": "Seismic intensity 8 points: piedmont plain", "kind": "seismic",
                 "intensity": 8}, polygon_geom(band(SEISMIC_SPLIT, north))),
    ]
    for fid, name, props, (lon, lat, rx, ry, n) in blobs:
        p = {"id": fid, "name": name}
        p.update(props)
        feats.append(feature(p, polygon_geom(ring_xy(star(lon, lat, rx, ry, fid, n, rough=0.12)))))
    return feats


# ---------------------------------------------------------------------------
# Heritage protection zones (scheme L457-469, L501-502, L2948-2955, L3646-3662).
# ---------------------------------------------------------------------------
HERITAGE = [
    ("hr-001", "Talgar ancient settlement protection zone", "UNESCO World Heritage", "talgar_settlement",
     (77.232, 43.268, 650, 520, 18)),
    ("hr-002", "Esik burial ground (Esik state reserve-museum)", "monument of republican significance", None,
     (77.445, 43.392, 800, 450, 16)),
    ("hr-003", "Boraldai Saka kurgans", "monument of republican significance", None,
     (76.850, 43.345, 900, 700, 16)),
]


def heritage():
    feats = []
    for fid, name, status, site, (lon, lat, rx, ry, n) in HERITAGE:
        p = {"id": fid, "name": name, "status": status}
        if site:
            p["site"] = site
        feats.append(feature(p, polygon_geom(ring_xy(star(lon, lat, rx, ry, fid, n, rough=0.10)))))
    return feats


# ---------------------------------------------------------------------------
# Enterprise sites with their sanitary-protection zone width (`spz_m`). The widths are
# ILLUSTRATIVE layer values, not from any SPZ project or act.
# ---------------------------------------------------------------------------
ENTERPRISES = [
    ("sz-001", "Almaty CHP-2 site", 1, 500, (76.772, 43.300, 400, 350, 14)),
    ("sz-002", "MSW landfill north-east of Kaskelen (Umtyl okrug, planned)", 2, 1000, (76.700, 43.265, 350, 300, 12)),
]


def sanitary_zones():
    return [feature({"id": fid, "name": name, "hazard_class": cls, "spz_m": spz},
                    polygon_geom(ring_xy(star(lon, lat, rx, ry, fid, n, rough=0.10))))
            for fid, name, cls, spz, (lon, lat, rx, ry, n) in ENTERPRISES]


LAYERS = [
    ("settlements", settlements),
    ("railways", railways),
    ("power_lines", power_lines),
    ("water_bodies", water_bodies),
    ("water_conduits", water_conduits),
    ("gas_pipelines", gas_pipelines),
    ("road_corridors", road_corridors),
    ("protected_areas", protected_areas),
    ("functional_zones", functional_zones),
    ("hazards", hazards),
    ("heritage", heritage),
    ("sanitary_zones", sanitary_zones),
]


def main(argv):
    out_dir = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out_dir, exist_ok=True)
    for name, build in LAYERS:
        write_layer(out_dir, name, with_names(build()))
        print("wrote", os.path.join(out_dir, name + ".geojson"))


if __name__ == "__main__":
    main(sys.argv)
