//! Column chart of the TIME_WAIT remaining-time histogram, drawn as SVG.
use yew::prelude::*;

use crate::format::thousands;

#[derive(Properties, PartialEq)]
pub struct HistogramProps {
    pub title: AttrValue,
    /// Count per whole second of TIME_WAIT left (index 0 = under 1 s).
    pub counts: Vec<u64>,
}

const W: f64 = 640.0;
const H: f64 = 180.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 24.0;

#[component]
pub fn Histogram(props: &HistogramProps) -> Html {
    let n = props.counts.len().max(1) as f64;
    let max = props.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let cw = (W - LEFT - 4.0) / n;
    let ph = H - BOTTOM - 8.0;
    html! {
        <figure class="chart" id="tw-histogram">
            <figcaption>{&props.title}</figcaption>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={props.title.clone()} style={format!("max-width:{W}px")}>
                <line class="axis" x1={LEFT.to_string()} y1={(H - BOTTOM).to_string()} x2={W.to_string()} y2={(H - BOTTOM).to_string()} />
                <text x={(LEFT - 6.0).to_string()} y="14" text-anchor="end">{thousands(max as u64)}</text>
                <text x={(LEFT - 6.0).to_string()} y={(H - BOTTOM).to_string()} text-anchor="end">{"0"}</text>
                { for props.counts.iter().enumerate().map(|(i, &c)| {
                    let h = c as f64 / max * ph;
                    html! {
                        <g class="col">
                            <title>{format!("{i}–{} s left: {}", i + 1, thousands(c))}</title>
                            <rect x={(LEFT + i as f64 * cw + 0.5).to_string()} y={(H - BOTTOM - h).to_string()}
                                width={(cw - 1.0).max(0.5).to_string()} height={h.to_string()} />
                        </g>
                    }
                }) }
                { for [0usize, 10, 20, 30, 40, 50, 60].iter().filter(|&&s| (s as f64) < n + 1.0).map(|&s| html! {
                    <text x={(LEFT + s as f64 * cw).to_string()} y={(H - 6.0).to_string()} text-anchor="middle">{format!("{s}s")}</text>
                }) }
            </svg>
        </figure>
    }
}
