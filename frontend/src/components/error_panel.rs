//! A failed open, in words a person can act on.
use yew::Html;

use crate::markup::Markup;
use crate::protocol::OpenError;

/// The error's title, detail and hint (read-only: markup, see `markup`).
pub fn error_panel(e: &OpenError) -> Html {
    let mut m = Markup::new();
    m.tag("<section id=\"error\" class=\"error-panel\" role=\"alert\"><h2>").text(&e.title);
    m.tag("</h2><p class=\"error-detail\">").text(&e.detail).tag("</p><p class=\"error-hint\">");
    m.text(&e.hint).tag("</p></section>");
    m.html()
}
