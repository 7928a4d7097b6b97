//! Sorting many `u32` keys fast: TIME_WAIT rows by remote address, table rows by key hash.

/// Below this many keys a comparison sort is used: the radix sort's three 2,048-bucket
/// histograms (48 KiB zeroed and scanned three times) cost more than sorting a few hundred keys,
/// and most tables of a snapshot (and every fuzz input) are that small.
const RADIX_FROM: usize = 512;

/// Sort `v` (LSD radix sort on three 11-bit digits: linear, unlike comparison sorts, and with
/// 2,048 buckets per pass the scattered writes stay in cache, unlike 65,536). Short inputs are
/// sorted in place ([`RADIX_FROM`]).
pub fn radix_sort(v: &mut Vec<u32>) {
    if v.len() < RADIX_FROM {
        v.sort_unstable();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_runs_counts_each_value() {
        let mut v = vec![7, 0x1_0000, 7, 3, 0xFFFF_FFFF, 7, 0x1_0000];
        assert_eq!(count_runs(&mut v), vec![(3, 1), (7, 3), (0x1_0000, 2), (0xFFFF_FFFF, 1)]);
        assert!(count_runs(&mut Vec::new()).is_empty());
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
        }
    }
}
