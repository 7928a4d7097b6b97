//! A horizontal bar chart drawn as SVG: one labelled bar per item, values at the end.
use yew::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// Optional second line under the label (e.g. the owning program).
    pub note: String,
    /// Draw this bar in the accent colour (e.g. server-side close).
    pub accent: bool,
}

#[derive(Properties, PartialEq)]
pub struct BarChartProps {
    pub title: AttrValue,
    pub bars: Vec<Bar>,
    /// Format of the value printed at the end of each bar.
    #[prop_or(Callback::from(|v: f64| crate::format::thousands(v as u64)))]
    pub fmt: Callback<f64, String>,
    #[prop_or_default]
    pub id: Option<AttrValue>,
}

const ROW_H: f64 = 22.0;
const LABEL_W: f64 = 250.0;
const WIDTH: f64 = 640.0;
const VALUE_W: f64 = 90.0;

#[component]
pub fn BarChart(props: &BarChartProps) -> Html {
    let max = props.bars.iter().map(|b| b.value).fold(0.0f64, f64::max);
    let h = ROW_H * props.bars.len().max(1) as f64 + 4.0;
    let span = WIDTH - LABEL_W - VALUE_W;
    html! {
        <figure class="chart" id={props.id.clone()}>
            <figcaption>{&props.title}</figcaption>
            if props.bars.is_empty() {
                <p class="muted">{"Nothing to show."}</p>
            } else {
                <svg viewBox={format!("0 0 {WIDTH} {h}")} role="img" aria-label={props.title.clone()}
                    preserveAspectRatio="xMinYMin meet" style={format!("max-width:{WIDTH}px")}>
                    { for props.bars.iter().enumerate().map(|(i, b)| {
                        let y = i as f64 * ROW_H + 2.0;
                        let w = if max > 0.0 { (b.value / max * span).max(1.0) } else { 0.0 };
                        let title = if b.note.is_empty() { format!("{}: {}", b.label, props.fmt.emit(b.value)) }
                            else { format!("{} ({}): {}", b.label, b.note, props.fmt.emit(b.value)) };
                        html! {
                            <g class={classes!("bar", b.accent.then_some("accent"))}>
                                <title>{title}</title>
                                <text class="bar-label" x={(LABEL_W - 6.0).to_string()} y={(y + 15.0).to_string()} text-anchor="end">
                                    {truncate(&b.label, 28)}
                                    if !b.note.is_empty() {
                                        <tspan class="bar-note">{format!(" {}", truncate(&b.note, 12))}</tspan>
                                    }
                                </text>
                                <rect x={LABEL_W.to_string()} y={(y + 3.0).to_string()} width={w.to_string()} height={(ROW_H - 6.0).to_string()} rx="2" />
                                <text class="bar-value" x={(LABEL_W + w + 6.0).to_string()} y={(y + 15.0).to_string()}>{props.fmt.emit(b.value)}</text>
                            </g>
                        }
                    }) }
                </svg>
            }
        </figure>
    }
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
