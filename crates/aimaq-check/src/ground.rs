//! Measuring on the ground: the parcel's local frame, in which a metre is a metre on the
//! WGS84 ellipsoid, not in the projection.
//!
//! A conformal projection (UTM, Gauss–Krüger) stretches every short length at a point
//! by the same factor `k`, its point scale: UTM zone 43N reads 550 m on the ground as
//! 549.94 m at Almaty and 550.26 m at 78.3°E. `k` varies smoothly (by about 8e-6 a
//! kilometre east–west at 78°E), so around a parcel it is `k(z) = k_c·exp(g·(z − c))`
//! to first order, with `c` the parcel's centre and `g` the gradient of `ln k`.
//!
//! The frame maps a projected position `z` (as a complex number) to
//!
//! ```text
//!     w = ((z − c) − a·(z − c)²/2) / k_c,      a = g_x − i·g_y,
//! ```
//!
//! a holomorphic (hence conformal) map whose own scale `|dw/dz| = (1 − g·(z − c))/k_c`
//! cancels the projection's to first order. In it the metric is the ground's to second
//! order: the residual scale error at `s` metres from the centre is about `s²/(2R²)`
//! (R the Earth's radius), so a distance of `d` up to `s` away is right to `s³/(6R²)`:
//! 0.02 mm at 1.7 km, 0.5 mm at 5 km. Straight segments in the frame are then the
//! geodesics between their ends to the same order (a geodesic's image is curved by the
//! gradient of the scale, which the frame removes), so every measurement of refinement —
//! distances, buffers, areas, boolean operations — is a measurement on the ellipsoid
//! without any other change, and costs a few multiplications a vertex.
//!
//! `k` comes from a [`Ground`] (the CLI's: PROJ, the projection's own formulas, through
//! `aimaq_proj`). The engine samples `ln k` once per node of a 2 km grid over the
//! dataset's extent, on first use, and interpolates bilinearly: the interpolated value is
//! right to 1e-8, its gradient to 3e-11 a metre, both far below a millimetre at any width
//! of the catalog.

use geo::{Coord, MapCoords};
use std::sync::{Arc, OnceLock};

/// The measuring CRS's point scale: how the engine learns how far the projection is from
/// the ground. Implemented with PROJ by `aimaq_io` (for every surface that loads a
/// dataset); an engine without one measures in the projection as it is.
///
/// The CRS must be conformal (the same scale in every direction at a point), as UTM and
/// Gauss–Krüger are; `aimaq_io` refuses a measuring CRS that is not.
///
/// ```
/// use aimaq_check::Ground;
/// use geo::Coord;
///
/// /// A projection that doubles every length east of x = 0.
/// struct Doubled;
/// impl Ground for Doubled {
///     fn scale(&self, at: Coord<f64>) -> Option<f64> {
///         Some(if at.x > 0.0 { 2.0 } else { 1.0 })
///     }
/// }
/// assert_eq!(Doubled.scale(Coord { x: 5.0, y: 0.0 }), Some(2.0));
/// ```
pub trait Ground: Send + Sync {
    /// The point scale factor at `at` (a position in the measuring CRS, metres): the
    /// length of a short step in the CRS over its length on the WGS84 ellipsoid. `None`
    /// when the CRS gives none there (outside its domain).
    fn scale(&self, at: Coord<f64>) -> Option<f64>;
}

/// The widest scale error the engine corrects: the index looks this much farther than a
/// zone's width, so a parcel where the measuring CRS is off by more is an error row, not
/// a clear one with candidates missed. UTM stays within 0.1 % over its zone.
pub const MAX_SCALE_ERROR: f64 = 0.01;

/// Spacing of the grid `ln k` is sampled at (m).
const GRID_M: f64 = 2_000.0;

/// The most nodes a grid has; a wider extent gets wider cells.
const MAX_NODES: f64 = 262_144.0;

/// `ln k` over a grid covering an extent, each node sampled on first use.
pub(crate) struct ScaleGrid {
    ground: Arc<dyn Ground>,
    min: Coord<f64>,
    step: f64,
    nx: usize,
    ny: usize,
    /// `ln k` at each node (NaN when the CRS gives no scale there).
    nodes: Vec<OnceLock<f64>>,
}

impl ScaleGrid {
    /// A grid over the box `min`..`max` (projected metres), nothing sampled yet.
    pub(crate) fn new(ground: Arc<dyn Ground>, min: Coord<f64>, max: Coord<f64>) -> ScaleGrid {
        let (w, h) = ((max.x - min.x).max(0.0), (max.y - min.y).max(0.0));
        let step = GRID_M.max(((w + GRID_M) * (h + GRID_M) / MAX_NODES).sqrt());
        let nx = (w / step).ceil() as usize + 2;
        let ny = (h / step).ceil() as usize + 2;
        ScaleGrid {
            ground,
            min,
            step,
            nx,
            ny,
            nodes: (0..nx * ny).map(|_| OnceLock::new()).collect(),
        }
    }

    fn ln_k_at(&self, at: Coord<f64>) -> f64 {
        match self.ground.scale(at) {
            Some(k) if k.is_finite() && k > 0.0 => k.ln(),
            _ => f64::NAN,
        }
    }

    fn node(&self, i: usize, j: usize) -> f64 {
        *self.nodes[j * self.nx + i].get_or_init(|| {
            self.ln_k_at(Coord {
                x: self.min.x + i as f64 * self.step,
                y: self.min.y + j as f64 * self.step,
            })
        })
    }

    /// `ln k` at `c` and its gradient, interpolated in the grid; sampled directly around
    /// `c` outside it. `None` when the CRS gives no scale there.
    fn ln_k_and_gradient(&self, c: Coord<f64>) -> Option<(f64, Coord<f64>)> {
        let fx = (c.x - self.min.x) / self.step;
        let fy = (c.y - self.min.y) / self.step;
        let inside =
            fx >= 0.0 && fy >= 0.0 && fx < (self.nx - 1) as f64 && fy < (self.ny - 1) as f64;
        let (v, g) = if inside {
            let (i, j) = (fx as usize, fy as usize);
            let (u, t) = (fx - i as f64, fy - j as f64);
            let (v00, v10) = (self.node(i, j), self.node(i + 1, j));
            let (v01, v11) = (self.node(i, j + 1), self.node(i + 1, j + 1));
            let v = v00 * (1.0 - u) * (1.0 - t)
                + v10 * u * (1.0 - t)
                + v01 * (1.0 - u) * t
                + v11 * u * t;
            let gx = ((v10 - v00) * (1.0 - t) + (v11 - v01) * t) / self.step;
            let gy = ((v01 - v00) * (1.0 - u) + (v11 - v10) * u) / self.step;
            (v, Coord { x: gx, y: gy })
        } else {
            let h = GRID_M / 2.0;
            let at = |dx: f64, dy: f64| {
                self.ln_k_at(Coord {
                    x: c.x + dx,
                    y: c.y + dy,
                })
            };
            let v = at(0.0, 0.0);
            let gx = (at(h, 0.0) - at(-h, 0.0)) / (2.0 * h);
            let gy = (at(0.0, h) - at(0.0, -h)) / (2.0 * h);
            (v, Coord { x: gx, y: gy })
        };
        (v.is_finite() && g.x.is_finite() && g.y.is_finite()).then_some((v, g))
    }

    /// The point scale at `c`.
    pub(crate) fn scale(&self, c: Coord<f64>) -> Option<f64> {
        self.ln_k_and_gradient(c).map(|(v, _)| v.exp())
    }

    /// The ground frame centred on `c`, or why there is none.
    pub(crate) fn frame(&self, c: Coord<f64>) -> Result<Frame, String> {
        let Some((ln_k, g)) = self.ln_k_and_gradient(c) else {
            return Err(format!(
                "the measuring CRS gives no scale at the parcel ({:.1}, {:.1}): it cannot be \
                 measured on the ground there",
                c.x, c.y
            ));
        };
        let k = ln_k.exp();
        if (k - 1.0).abs() > MAX_SCALE_ERROR {
            return Err(format!(
                "the measuring CRS stretches lengths at the parcel by {:+.3} %, beyond the \
                 {} % aimaq corrects: measure in a CRS made for the area (--crs)",
                (k - 1.0) * 100.0,
                MAX_SCALE_ERROR * 100.0
            ));
        }
        Ok(Frame {
            origin: c,
            k,
            a: Coord { x: g.x, y: -g.y },
        })
    }
}

/// A parcel's local frame: positions relative to its centre, in metres on the ground.
/// The plain translation when the engine has no [`Ground`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    origin: Coord<f64>,
    /// The point scale at the origin.
    k: f64,
    /// `g_x − i·g_y` as (re, im), `g` the gradient of `ln k` (per metre).
    a: Coord<f64>,
}

fn mul(p: Coord<f64>, q: Coord<f64>) -> Coord<f64> {
    Coord {
        x: p.x * q.x - p.y * q.y,
        y: p.x * q.y + p.y * q.x,
    }
}

impl Frame {
    /// The translation to `origin`: measuring in the projection as it is.
    pub(crate) fn planar(origin: Coord<f64>) -> Frame {
        Frame {
            origin,
            k: 1.0,
            a: Coord { x: 0.0, y: 0.0 },
        }
    }

    pub(crate) fn is_planar(self) -> bool {
        self.k == 1.0 && self.a.x == 0.0 && self.a.y == 0.0
    }

    /// A projected position in the frame.
    pub(crate) fn to_local(self, z: Coord<f64>) -> Coord<f64> {
        let u = z - self.origin;
        if self.is_planar() {
            return u;
        }
        let q = mul(self.a, mul(u, u));
        Coord {
            x: (u.x - q.x / 2.0) / self.k,
            y: (u.y - q.y / 2.0) / self.k,
        }
    }

    /// A position of the frame back in the projection: the series inverse of
    /// [`Frame::to_local`], `u = v + a·v²/2 + a²·v³/2` with `v = k·w`, whose next term is
    /// about `|a|³·|v|⁴` (1e-13 m at 2 km).
    pub(crate) fn to_world(self, w: Coord<f64>) -> Coord<f64> {
        if self.is_planar() {
            return w + self.origin;
        }
        let v = w * self.k;
        let av = mul(self.a, v);
        let av2 = mul(av, v);
        let a2v3 = mul(av, av2);
        Coord {
            x: v.x + av2.x / 2.0 + a2v3.x / 2.0,
            y: v.y + av2.y / 2.0 + a2v3.y / 2.0,
        } + self.origin
    }

    /// A geometry in the frame.
    pub(crate) fn local<G: MapCoords<f64, f64, Output = G>>(&self, g: &G) -> G {
        g.map_coords(|c| self.to_local(c))
    }

    /// A geometry of the frame back in the projection.
    pub(crate) fn world<G: MapCoords<f64, f64, Output = G>>(&self, g: &G) -> G {
        g.map_coords(|c| self.to_world(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transverse-Mercator-like scale: `k0·(1 + x²/(2R²))` about x = 0.
    struct Tm;
    const R: f64 = 6_371_000.0;
    impl Ground for Tm {
        fn scale(&self, at: Coord<f64>) -> Option<f64> {
            Some(0.9996 * (1.0 + at.x * at.x / (2.0 * R * R)))
        }
    }

    fn grid() -> ScaleGrid {
        ScaleGrid::new(
            Arc::new(Tm),
            Coord {
                x: 100_000.0,
                y: 0.0,
            },
            Coord {
                x: 400_000.0,
                y: 50_000.0,
            },
        )
    }

    #[test]
    fn the_frame_inverts_to_a_nanometre() {
        let f = grid()
            .frame(Coord {
                x: 300_000.0,
                y: 20_000.0,
            })
            .unwrap();
        for (x, y) in [
            (0.0, 0.0),
            (1700.0, -300.0),
            (-2500.0, 2500.0),
            (10.0, 1e-3),
        ] {
            let z = Coord {
                x: 300_000.0 + x,
                y: 20_000.0 + y,
            };
            let back = f.to_world(f.to_local(z));
            assert!(
                (back - z).x.abs() < 1e-9 && (back - z).y.abs() < 1e-9,
                "{back:?}"
            );
        }
    }

    #[test]
    fn local_lengths_are_ground_lengths() {
        // 1,700 m east from a parcel 300 km east of the central meridian: the ground
        // length is the integral of 1/k along the step
        let c = Coord {
            x: 300_000.0,
            y: 20_000.0,
        };
        let f = grid().frame(c).unwrap();
        for (dx, dy) in [
            (1700.0, 0.0),
            (-1700.0, 0.0),
            (0.0, 1700.0),
            (1200.0, 1200.0),
        ] {
            let n = 100_000;
            let ground: f64 = (0..n)
                .map(|i| {
                    let t = (i as f64 + 0.5) / n as f64;
                    let p = Coord {
                        x: c.x + dx * t,
                        y: c.y + dy * t,
                    };
                    (dx * dx + dy * dy).sqrt() / n as f64 / Tm.scale(p).unwrap()
                })
                .sum();
            let w = f.to_local(Coord {
                x: c.x + dx,
                y: c.y + dy,
            });
            let local = w.x.hypot(w.y);
            // the chord in the frame is a little shorter than the image of the straight
            // projected step (the geodesic is the shorter path): within 0.1 mm
            assert!(
                (local - ground).abs() < 1e-4,
                "{dx} {dy}: {local} vs {ground}"
            );
        }
    }

    #[test]
    fn too_much_scale_is_refused() {
        struct Big;
        impl Ground for Big {
            fn scale(&self, _: Coord<f64>) -> Option<f64> {
                Some(1.05)
            }
        }
        let g = ScaleGrid::new(
            Arc::new(Big),
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 1.0, y: 1.0 },
        );
        assert!(g
            .frame(Coord { x: 0.5, y: 0.5 })
            .unwrap_err()
            .contains("+5.000 %"));
    }
}
