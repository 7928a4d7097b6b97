//! A horizontal bar chart drawn as SVG: one labelled bar per item, values at the end.
use yew::Html;

use crate::markup::Markup;

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// Optional second line under the label (e.g. the owning program).
    pub note: String,
    /// Draw this bar in the accent colour (e.g. server-side close).
    pub accent: bool,
}

/// The default format of a bar's value: a count with thousands separators.
pub fn count(v: f64) -> String {
    crate::format::thousands(v as u64)
}

const ROW_H: f64 = 22.0;
const LABEL_W: f64 = 250.0;
const WIDTH: f64 = 640.0;
const VALUE_W: f64 = 90.0;

/// The chart with its caption; `max` is the value of a full-width bar (e.g. 100 for
/// percentages; the largest value by default), `fmt` the format of the value printed at the end
/// of each bar. Read-only, so written as markup (see `markup`).
pub fn bar_chart(
    id: Option<&str>,
    title: &str,
    bars: &[Bar],
    max: Option<f64>,
    fmt: fn(f64) -> String,
) -> Html {
    let max = max.unwrap_or_else(|| bars.iter().map(|b| b.value).fold(0.0f64, f64::max));
    let h = ROW_H * bars.len().max(1) as f64 + 4.0;
    let span = WIDTH - LABEL_W - VALUE_W;
    let mut m = Markup::new();
    m.tag("<figure class=\"chart\"");
    if let Some(id) = id {
        m.tag(" id=\"").text(id).tag("\"");
    }
    m.tag("><figcaption>").text(title).tag("</figcaption>");
    if bars.is_empty() {
        m.tag("<p class=\"muted\">Nothing to show.</p></figure>");
        return m.html();
    }
    m.tag("<svg viewBox=\"0 0 ")
        .float(WIDTH)
        .tag(" ")
        .float(h)
        .tag("\" role=\"img\" aria-label=\"")
        .text(title);
    m.tag("\" preserveAspectRatio=\"xMinYMin meet\" style=\"max-width:").float(WIDTH).tag("px\">");
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * ROW_H + 2.0;
        let w = if max > 0.0 { ((b.value / max).min(1.0) * span).max(1.0) } else { 0.0 };
        let value = fmt(b.value);
        m.tag(if b.accent { "<g class=\"bar accent\"><title>" } else { "<g class=\"bar\"><title>" })
            .text(&b.label);
        if !b.note.is_empty() {
            m.tag(" (").text(&b.note).tag(")");
        }
        m.tag(": ").text(&value).tag("</title><text class=\"bar-label\" x=\"").float(LABEL_W - 6.0);
        m.tag("\" y=\"").float(y + 15.0).tag("\" text-anchor=\"end\">").text(&truncate(&b.label, 28));
        if !b.note.is_empty() {
            m.tag("<tspan class=\"bar-note\"> ").text(&truncate(&b.note, 12)).tag("</tspan>");
        }
        m.tag("</text><rect x=\"").float(LABEL_W).tag("\" y=\"").float(y + 3.0).tag("\" width=\"").float(w);
        m.tag("\" height=\"").float(ROW_H - 6.0).tag("\" rx=\"2\"></rect><text class=\"bar-value\" x=\"");
        m.float(LABEL_W + w + 6.0).tag("\" y=\"").float(y + 15.0).tag("\">").text(&value).tag("</text></g>");
    }
    m.tag("</svg></figure>");
    m.html()
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
