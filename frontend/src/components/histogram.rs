//! Column chart of the TIME_WAIT remaining-time histogram, drawn as SVG.
use yew::Html;

use crate::markup::Markup;

const W: f64 = 640.0;
const H: f64 = 180.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 24.0;

/// The chart with its caption; `counts`: per whole second of TIME_WAIT left (index 0 = under
/// 1 s). Read-only: markup (see `markup`).
pub fn histogram(title: &str, counts: &[u64]) -> Html {
    let n = counts.len().max(1) as f64;
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let cw = (W - LEFT - 4.0) / n;
    let ph = H - BOTTOM - 8.0;
    let mut m = Markup::new();
    m.tag("<figure class=\"chart\" id=\"tw-histogram\"><figcaption>").text(title);
    m.tag("</figcaption><svg viewBox=\"0 0 ")
        .float(W)
        .tag(" ")
        .float(H)
        .tag("\" role=\"img\" aria-label=\"")
        .text(title);
    m.tag("\" style=\"max-width:")
        .float(W)
        .tag("px\"><line class=\"axis\" x1=\"")
        .float(LEFT)
        .tag("\" y1=\"");
    m.float(H - BOTTOM)
        .tag("\" x2=\"")
        .float(W)
        .tag("\" y2=\"")
        .float(H - BOTTOM)
        .tag("\"></line><text x=\"");
    m.float(LEFT - 6.0).tag("\" y=\"14\" text-anchor=\"end\">").num(max as u64).tag("</text><text x=\"");
    m.float(LEFT - 6.0).tag("\" y=\"").float(H - BOTTOM).tag("\" text-anchor=\"end\">0</text>");
    for (i, &c) in counts.iter().enumerate() {
        let h = c as f64 / max * ph;
        m.tag("<g class=\"col\"><title>").int(i as u64).tag("–").int(i as u64 + 1).tag(" s left: ").num(c);
        m.tag("</title><rect x=\"").float(LEFT + i as f64 * cw + 0.5).tag("\" y=\"").float(H - BOTTOM - h);
        m.tag("\" width=\"").float((cw - 1.0).max(0.5)).tag("\" height=\"").float(h).tag("\"></rect></g>");
    }
    for s in [0u64, 10, 20, 30, 40, 50, 60].into_iter().filter(|&s| (s as f64) < n + 1.0) {
        m.tag("<text x=\"").float(LEFT + s as f64 * cw).tag("\" y=\"").float(H - 6.0);
        m.tag("\" text-anchor=\"middle\">").int(s).tag("s</text>");
    }
    m.tag("</svg></figure>");
    m.html()
}
