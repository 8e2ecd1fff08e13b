//! A GeoPackage R-tree (SQLite's `rtree` module, GeoPackage 1.3 §F.3) packed in one go:
//! the envelopes are gathered while the rows go in, grouped sort-tile-recursive, and the
//! nodes written straight into the R-tree's own tables (`_node`, `_rowid`, `_parent`).
//!
//! Inserting through the virtual table costs a descent, often a split, and a rewrite of the
//! 1.2 kB leaf for every row: about 3 µs a row here, a quarter of the report's writing at a
//! million parcels. Written packed, each node is written once and the tree is full, which
//! also makes it smaller and its searches shorter. SQLite's `rtreecheck()` accepts it, and
//! later edits (the GeoPackage triggers) go through the module as usual.

use super::sql::{sql_err, Envelope};
use crate::{Error, Result};
use rusqlite::Connection;

/// Bytes of a cell in a two-dimensional R-tree: the 64-bit id and four 32-bit floats.
const CELL: usize = 8 + 4 * 4;

/// A row of the R-tree: the feature's fid (or a child node's number) and its envelope
/// widened outward to 32-bit floats, as the module stores it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Entry {
    id: i64,
    /// min x, max x, min y, max y
    b: [f32; 4],
}

impl Entry {
    /// The row `id` with envelope `(min_x, max_x, min_y, max_y)`.
    pub(crate) fn new(id: i64, (x0, x1, y0, y1): Envelope) -> Entry {
        Entry {
            id,
            b: [down(x0), up(x1), down(y0), up(y1)],
        }
    }

    fn cx(&self) -> f32 {
        self.b[0] * 0.5 + self.b[1] * 0.5
    }

    fn cy(&self) -> f32 {
        self.b[2] * 0.5 + self.b[3] * 0.5
    }
}

/// The largest f32 at or below `v` (the module rounds a minimum down, a maximum up).
fn down(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) > v {
        -next_up(-f)
    } else {
        f
    }
}

/// The smallest f32 at or above `v`.
fn up(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) < v {
        next_up(f)
    } else {
        f
    }
}

/// The next f32 towards +∞ of a finite `f` (`f32::next_up` is newer than the MSRV).
fn next_up(f: f32) -> f32 {
    if f == 0.0 {
        f32::from_bits(1)
    } else if f > 0.0 {
        f32::from_bits(f.to_bits() + 1)
    } else {
        f32::from_bits(f.to_bits() - 1)
    }
}

/// The envelope of `cells`.
fn union(cells: &[Entry]) -> [f32; 4] {
    cells.iter().fold(
        [
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ],
        |a, c| {
            [
                a[0].min(c.b[0]),
                a[1].max(c.b[1]),
                a[2].min(c.b[2]),
                a[3].max(c.b[3]),
            ]
        },
    )
}

/// Sort-tile-recursive grouping: `items` reordered so that each group of a vertical slice,
/// `m` at most, is a node; returns the groups' ranges.
fn str_groups(items: &mut [Entry], m: usize) -> Vec<std::ops::Range<usize>> {
    let nodes = items.len().div_ceil(m);
    let slices = (nodes as f64).sqrt().ceil().max(1.0) as usize;
    let per_slice = nodes.div_ceil(slices) * m;
    items.sort_unstable_by(|a, b| a.cx().total_cmp(&b.cx()));
    let mut groups = Vec::with_capacity(nodes);
    let mut start = 0;
    for slice in items.chunks_mut(per_slice) {
        slice.sort_unstable_by(|a, b| a.cy().total_cmp(&b.cy()));
        let mut at = 0;
        while at < slice.len() {
            let end = (at + m).min(slice.len());
            groups.push(start + at..start + end);
            at = end;
        }
        start += slice.len();
    }
    groups
}

/// The node's bytes: depth (root only), cell count, cells, zeros up to `size`.
fn node_blob(depth: u16, cells: &[Entry], size: usize) -> Vec<u8> {
    let mut blob = Vec::with_capacity(size);
    blob.extend_from_slice(&depth.to_be_bytes());
    blob.extend_from_slice(&(cells.len() as u16).to_be_bytes());
    for c in cells {
        blob.extend_from_slice(&c.id.to_be_bytes());
        for v in c.b {
            blob.extend_from_slice(&v.to_bits().to_be_bytes());
        }
    }
    blob.resize(size, 0);
    blob
}

/// Writes `rows` as the packed content of the (empty) R-tree `name`.
pub(crate) fn write(conn: &Connection, name: &str, rows: &[Entry]) -> Result<()> {
    if rows.is_empty() {
        return Ok(()); // the module's empty root stays
    }
    // the module sized its nodes when the table was made (page size − 64, at most 51 cells)
    let size: usize = conn
        .query_row(
            &format!("SELECT length(data) FROM \"{name}_node\" WHERE nodeno = 1"),
            [],
            |r| r.get(0),
        )
        .map_err(sql_err("cannot read a spatial index"))?;
    let m = (size - 4) / CELL;
    if m < 2 {
        return Err(Error::Other(format!(
            "{name}: R-tree nodes of {size} bytes"
        )));
    }
    let mut insert_node = conn
        .prepare(&format!(
            "INSERT INTO \"{name}_node\" (nodeno, data) VALUES (?1, ?2)"
        ))
        .map_err(sql_err("cannot write a spatial index"))?;
    let mut insert_parent = conn
        .prepare(&format!(
            "INSERT INTO \"{name}_parent\" (nodeno, parentnode) VALUES (?1, ?2)"
        ))
        .map_err(sql_err("cannot write a spatial index"))?;

    let mut level: Vec<Entry> = rows.to_vec();
    let mut next_node: i64 = 2; // 1 is the root
    let mut depth: u16 = 0;
    // (fid, leaf) of every row
    let mut leaf_of: Vec<(i64, i64)> = Vec::with_capacity(rows.len());
    while level.len() > m {
        let groups = str_groups(&mut level, m);
        let mut parents = Vec::with_capacity(groups.len());
        for g in groups {
            let cells = &level[g];
            let node = next_node;
            next_node += 1;
            insert_node
                .execute(rusqlite::params![node, node_blob(0, cells, size)])
                .map_err(sql_err("cannot write a spatial index"))?;
            for c in cells {
                if depth == 0 {
                    leaf_of.push((c.id, node));
                } else {
                    insert_parent
                        .execute(rusqlite::params![c.id, node])
                        .map_err(sql_err("cannot write a spatial index"))?;
                }
            }
            parents.push(Entry {
                id: node,
                b: union(cells),
            });
        }
        level = parents;
        depth += 1;
    }
    // the root: the last level's entries, at most m of them
    conn.execute(
        &format!("UPDATE \"{name}_node\" SET data = ?1 WHERE nodeno = 1"),
        rusqlite::params![node_blob(depth, &level, size)],
    )
    .map_err(sql_err("cannot write a spatial index"))?;
    if depth == 0 {
        leaf_of.extend(level.iter().map(|c| (c.id, 1)));
    } else {
        for child in &level {
            insert_parent
                .execute(rusqlite::params![child.id, 1i64])
                .map_err(sql_err("cannot write a spatial index"))?;
        }
    }
    // rows by fid: the rowid table's B-tree is then appended to, never split in the middle
    leaf_of.sort_unstable_by_key(|&(fid, _)| fid);
    let mut insert_rowid = conn
        .prepare(&format!(
            "INSERT INTO \"{name}_rowid\" (rowid, nodeno) VALUES (?1, ?2)"
        ))
        .map_err(sql_err("cannot write a spatial index"))?;
    for (fid, node) in leaf_of {
        insert_rowid
            .raw_bind_parameter(1, fid)
            .and_then(|()| insert_rowid.raw_bind_parameter(2, node))
            .and_then(|()| insert_rowid.raw_execute())
            .map_err(sql_err("cannot write a spatial index"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(n: i64, page_size: u32) -> (Connection, Vec<Entry>) {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&format!(
            "PRAGMA page_size = {page_size}; CREATE VIRTUAL TABLE rtree_t_geom USING rtree(id, minx, maxx, miny, maxy);"
        ))
        .unwrap();
        // a scattered grid with some points and some large boxes, fids not in space order
        let rows: Vec<Entry> = (1..=n)
            .map(|i| {
                let k = (i * 7919) % n.max(1);
                let (x, y) = (
                    (k % 97) as f64 * 10.3 + 500_000.0,
                    (k / 97) as f64 * 9.7 + 4.8e6,
                );
                let w = if i % 13 == 0 {
                    250.0
                } else if i % 5 == 0 {
                    0.0
                } else {
                    3.1
                };
                Entry::new(i, (x, x + w, y, y + w / 2.0))
            })
            .collect();
        write(&conn, "rtree_t_geom", &rows).unwrap();
        (conn, rows)
    }

    #[test]
    fn sqlite_accepts_the_packed_tree_and_finds_every_row() {
        for (n, page) in [
            (0, 4096),
            (1, 4096),
            (51, 4096),
            (52, 4096),
            (3000, 4096),
            (20_000, 1024),
        ] {
            let (conn, rows) = tree(n, page);
            let check: String = conn
                .query_row("SELECT rtreecheck('rtree_t_geom')", [], |r| r.get(0))
                .unwrap();
            assert_eq!(check, "ok", "{n} rows");
            let count: i64 = conn
                .query_row("SELECT count(*) FROM rtree_t_geom", [], |r| r.get(0))
                .unwrap();
            assert_eq!(count, n);
            // a window query finds exactly what a scan of the rows finds
            let window =
                "minx <= 500300 AND maxx >= 500100 AND miny <= 4800200 AND maxy >= 4800050";
            let by_tree: i64 = conn
                .query_row(
                    &format!("SELECT count(*) FROM rtree_t_geom WHERE {window}"),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let by_scan = rows
                .iter()
                .filter(|e| {
                    e.b[0] <= 500300.0
                        && e.b[1] >= 500100.0
                        && e.b[2] <= 4800200.0
                        && e.b[3] >= 4800050.0
                })
                .count() as i64;
            assert!(n < 3000 || by_scan > 10, "the window holds rows");
            assert_eq!(by_tree, by_scan, "{n} rows");
            // and the module keeps it up after the fact: insert, move, delete
            conn.execute_batch(
                "INSERT INTO rtree_t_geom VALUES (1000000, 1, 2, 3, 4);
                 UPDATE rtree_t_geom SET minx = 0 WHERE id = 1;
                 DELETE FROM rtree_t_geom WHERE id % 3 = 0;",
            )
            .unwrap();
            let check: String = conn
                .query_row("SELECT rtreecheck('rtree_t_geom')", [], |r| r.get(0))
                .unwrap();
            assert_eq!(check, "ok", "{n} rows, edited");
        }
    }

    #[test]
    fn envelopes_are_widened_outward() {
        let e = Entry::new(1, (500_000.123, 500_000.456, 4_800_000.1, 4_800_000.2));
        assert!(f64::from(e.b[0]) <= 500_000.123 && f64::from(e.b[1]) >= 500_000.456);
        assert!(f64::from(e.b[2]) <= 4_800_000.1 && f64::from(e.b[3]) >= 4_800_000.2);
    }
}
