//! Sorting for the whole crate (and the viewer).
//!
//! Many `u32` keys fast: TIME_WAIT rows by remote address, table rows by key hash
//! ([`radix_sort`]). Everything else — lists of listeners, ports, namespaces, diff entries —
//! goes through one compiled sort, [`order`]: the standard library's sorts are compiled anew for
//! every element type and comparison (3–8 KB of wasm each, ~20 of them were 76 KB of the
//! viewer's code), and none of these lists is long enough for that to pay off.

use std::cmp::Ordering;

/// Below this many keys a comparison sort is used: the radix sort's three 2,048-bucket
/// histograms (48 KiB zeroed and scanned three times) cost more than sorting a few hundred keys,
/// and most tables of a snapshot (and every fuzz input) are that small.
const RADIX_FROM: usize = 512;

/// Sort `v` (LSD radix sort on three 11-bit digits: linear, unlike comparison sorts, and with
/// 2,048 buckets per pass the scattered writes stay in cache, unlike 65,536). Short inputs are
/// sorted in place ([`RADIX_FROM`]).
pub fn radix_sort(v: &mut Vec<u32>) {
    if v.len() < RADIX_FROM {
        // The crate's one compiled sort, not `sort_unstable` (another instantiation in wasm).
        sort(v);
        return;
    }
    const BITS: u32 = 11;
    const MASK: u32 = (1 << BITS) - 1;
    let mut tmp = vec![0u32; v.len()];
    // All three histograms in one read of the input.
    let mut counts = vec![[0usize; 1 << BITS]; 3];
    for &x in v.iter() {
        for (d, c) in counts.iter_mut().enumerate() {
            c[((x >> (d as u32 * BITS)) & MASK) as usize] += 1;
        }
    }
    for (d, offsets) in counts.iter_mut().enumerate() {
        // A digit every key shares (the top bits of addresses in one network) orders nothing.
        if offsets.contains(&v.len()) {
            continue;
        }
        let shift = d as u32 * BITS;
        let mut sum = 0;
        for o in offsets.iter_mut() {
            let n = *o;
            *o = sum;
            sum += n;
        }
        for &x in v.iter() {
            let b = ((x >> shift) & MASK) as usize;
            tmp[offsets[b]] = x;
            offsets[b] += 1;
        }
        std::mem::swap(v, &mut tmp);
    }
}

/// Sort `v` and return each distinct value with how often it occurs.
pub fn count_runs(v: &mut Vec<u32>) -> Vec<(u32, u64)> {
    radix_sort(v);
    let mut runs: Vec<(u32, u64)> = Vec::new();
    for &x in v.iter() {
        match runs.last_mut() {
            Some((last, n)) if *last == x => *n += 1,
            _ => runs.push((x, 1)),
        }
    }
    runs
}

/// Two lists of [`count_runs`] as one: ascending, the counts of a value in both added up.
pub fn merge_runs(a: Vec<(u32, u64)>, b: Vec<(u32, u64)>) -> Vec<(u32, u64)> {
    if a.is_empty() {
        return b;
    }
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        if x.0 == y.0 {
            out.push((x.0, x.1 + y.1));
            i += 1;
            j += 1;
        } else if x.0 < y.0 {
            out.push(x);
            i += 1;
        } else {
            out.push(y);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Positions `0..n` in a stable order by `cmp` (equal elements keep their order): a plain
/// bottom-up merge sort over indices, compiled once whatever is sorted.
pub fn order(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<u32> {
    let mut a: Vec<u32> = (0..n as u32).collect();
    let mut b = a.clone();
    let mut width = 1;
    while width < n {
        for lo in (0..n).step_by(2 * width) {
            let (mid, hi) = ((lo + width).min(n), (lo + 2 * width).min(n));
            let (mut i, mut j) = (lo, mid);
            for slot in &mut b[lo..hi] {
                // Take from the left run unless the right one is strictly smaller: stable.
                let left = j >= hi || (i < mid && cmp(a[j] as usize, a[i] as usize).is_ge());
                *slot = if left { a[i] } else { a[j] };
                if left { i += 1 } else { j += 1 }
            }
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

/// Sorts `v` stably by `cmp` (like `slice::sort_by`), through [`order`].
pub fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let positions = order(v.len(), &|a, b| cmp(&v[a], &v[b]));
    let mut old: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    // `positions` is a permutation, so every slot is taken exactly once.
    v.extend(positions.iter().filter_map(|&i| old[i as usize].take()));
}

/// Sorts `v` stably by the key `f` gives (like `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, f: impl Fn(&T) -> K) {
    sort_by(v, |a, b| f(a).cmp(&f(b)));
}

/// `pairs` sorted by key, keeping of each key the value pushed last: what filling a `BTreeMap`
/// by `insert` in this order would hold, as a sorted `Vec` (read it with [`lookup`]). For maps
/// filled once and then read: one sort through [`order`], instead of a B-tree's code compiled
/// for every key and value type (~3 KB each in the viewer's wasm).
pub fn last_wins<K: Ord, V>(mut pairs: Vec<(K, V)>) -> Vec<(K, V)> {
    sort_by(&mut pairs, |a, b| a.0.cmp(&b.0));
    let mut out: Vec<(K, V)> = Vec::with_capacity(pairs.len());
    for p in pairs {
        match out.last_mut() {
            Some(last) if last.0 == p.0 => *last = p,
            _ => out.push(p),
        }
    }
    out
}

/// The value of `key` in pairs sorted by key ([`last_wins`]).
pub fn lookup<'a, K: Ord, V>(sorted: &'a [(K, V)], key: &K) -> Option<&'a V> {
    sorted.binary_search_by(|(k, _)| k.cmp(key)).ok().map(|i| &sorted[i].1)
}

/// Sorts `v` ascending (like `slice::sort`).
pub fn sort<T: Ord>(v: &mut Vec<T>) {
    sort_by(v, T::cmp);
}

/// Keeps the `n` first elements of `v` in `cmp`'s order, sorted (like `select_nth_unstable_by`,
/// `truncate` and a sort, for small `n`): one pass keeping the best `n` positions.
pub fn keep_first<T>(v: &mut Vec<T>, n: usize, cmp: impl Fn(&T, &T) -> Ordering) {
    let best = first_positions(v.len(), n, &|a, b| cmp(&v[a], &v[b]));
    let mut old: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    v.extend(best.iter().filter_map(|&i| old[i as usize].take()));
}

/// The positions of the `n` smallest of `0..len` by `cmp`, in order (stable: among equals the
/// earlier position first). Insertion into a list of at most `n`: most elements lose their one
/// comparison with the current last.
fn first_positions(len: usize, n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<u32> {
    let mut best: Vec<u32> = Vec::with_capacity(n.min(len) + 1);
    if n == 0 {
        return best;
    }
    for i in 0..len {
        if best.len() == n && cmp(i, *best.last().expect("n > 0") as usize).is_ge() {
            continue;
        }
        // After every kept element that is not greater: stable.
        let at = best.partition_point(|&b| cmp(b as usize, i).is_le());
        best.insert(at, i as u32);
        best.truncate(n);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counting two lists apart and merging the counts is counting them together, whichever
    /// is empty, with values in one, the other or both.
    #[test]
    fn merged_runs_are_the_runs_of_both() {
        let a: Vec<u32> = pseudo_random(3_000, 1).into_iter().map(|b| b as u32 * 7).collect();
        let b: Vec<u32> = pseudo_random(2_000, 2).into_iter().map(|b| b as u32 * 5 + 1).collect();
        for (x, y) in [(&a, &b), (&b, &a), (&a, &vec![]), (&vec![], &b), (&a, &a)] {
            let mut both: Vec<u32> = x.iter().chain(y.iter()).copied().collect();
            let merged = merge_runs(count_runs(&mut x.clone()), count_runs(&mut y.clone()));
            assert_eq!(merged, count_runs(&mut both));
        }
    }

    fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (x >> 60) as u8
            })
            .collect()
    }

    #[test]
    fn order_is_a_stable_sort() {
        for n in 0..70 {
            let v = pseudo_random(n, 12345 + n as u64);
            let got = order(n, &|a, b| v[a].cmp(&v[b]));
            let mut want: Vec<u32> = (0..n as u32).collect();
            want.sort_by_key(|&i| v[i as usize]);
            assert_eq!(got, want, "{v:?}");
        }
    }

    #[test]
    fn sort_by_matches_the_standard_stable_sort() {
        for n in 0..70 {
            // Pairs whose second half shows whether equal keys kept their order.
            let v: Vec<(u8, usize)> = pseudo_random(n, 99 + n as u64).into_iter().zip(0..).collect();
            let mut got = v.clone();
            sort_by(&mut got, |a, b| b.0.cmp(&a.0));
            let mut want = v.clone();
            want.sort_by_key(|p| std::cmp::Reverse(p.0));
            assert_eq!(got, want);
            let mut got = v.clone();
            sort_by_key(&mut got, |p| p.0);
            let mut want = v.clone();
            want.sort_by_key(|p| p.0);
            assert_eq!(got, want);
        }
        let mut words = vec!["b".to_string(), "a".into(), "c".into(), "a".into()];
        sort(&mut words);
        assert_eq!(words, ["a", "a", "b", "c"]);
    }

    #[test]
    fn keep_first_is_sort_then_truncate() {
        for n in 0..70 {
            let v: Vec<(u8, usize)> = pseudo_random(n, 7 + n as u64).into_iter().zip(0..).collect();
            for keep in [0, 1, 3, 10, 100] {
                let mut got = v.clone();
                keep_first(&mut got, keep, |a, b| b.0.cmp(&a.0));
                let mut want = v.clone();
                want.sort_by_key(|p| std::cmp::Reverse(p.0));
                want.truncate(keep);
                assert_eq!(got, want, "n {n} keep {keep}");
            }
        }
    }

    #[test]
    fn count_runs_counts_each_value() {
        let mut v = vec![7, 0x1_0000, 7, 3, 0xFFFF_FFFF, 7, 0x1_0000];
        assert_eq!(count_runs(&mut v), vec![(3, 1), (7, 3), (0x1_0000, 2), (0xFFFF_FFFF, 1)]);
        assert!(count_runs(&mut Vec::new()).is_empty());
    }

    #[test]
    fn last_wins_is_a_btreemap_filled_by_insert() {
        let mut seed = 7u64;
        for len in [0usize, 1, 2, 5, 40, 1000] {
            let pairs: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    ((seed >> 59) as u8, i)
                })
                .collect();
            let mut map = std::collections::BTreeMap::new();
            for &(k, v) in &pairs {
                map.insert(k, v);
            }
            let sorted = last_wins(pairs);
            assert_eq!(sorted, map.iter().map(|(&k, &v)| (k, v)).collect::<Vec<_>>());
            for k in 0..40u8 {
                assert_eq!(lookup(&sorted, &k), map.get(&k), "{len} pairs, key {k}");
            }
        }
    }

    #[test]
    fn radix_sort_sorts() {
        // Both ways: the comparison sort below `RADIX_FROM` keys, the radix sort from there.
        for n in [0, 1, 2, RADIX_FROM - 1, RADIX_FROM, RADIX_FROM + 1, 10_000] {
            let mut x = 0x2545_f491u32 ^ n as u32;
            let mut v: Vec<u32> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            radix_sort(&mut v);
            assert_eq!(v, want, "{n} keys");
            // A digit every key shares, skipped: the top one (one network), the middle one,
            // or all three.
            for mask in [0x003f_ffff, 0xffc0_07ff, 0] {
                let mut v: Vec<u32> = want.iter().map(|x| x & mask | 0x0a40_0000 & !mask).collect();
                let mut shared = v.clone();
                shared.sort_unstable();
                radix_sort(&mut v);
                assert_eq!(v, shared, "{n} keys, {mask:#x}");
            }
        }
    }
}
