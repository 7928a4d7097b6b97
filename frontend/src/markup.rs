//! Read-only parts of the views built as HTML text instead of `html!` trees.
//!
//! Why: every element of an `html!` tree compiles to its own construction code (tag, attributes,
//! children vector, conversions), and the views' tables and figures were about a third of the
//! viewer's code. A table that has no event handlers gains nothing from the virtual DOM, so it is
//! written as text here and handed to Yew as one raw node (`Html::from_html_unchecked`), which
//! Yew replaces only when the text changes.
//!
//! Safety: markup can only be added as `&'static str` ([`Markup::tag`]), i.e. literals in this
//! crate; every value from a snapshot (process names, paths, addresses, counts) goes through
//! [`Markup::text`], which escapes the five characters that matter in text and quoted attribute
//! values. The page's Content-Security-Policy blocks inline scripts as a second line.
use yew::{AttrValue, Html};

/// HTML text under construction; see the module docs.
#[derive(Default)]
pub struct Markup(String);

impl Markup {
    pub fn new() -> Self {
        Self(String::with_capacity(1024))
    }

    /// Literal markup: tags, attribute names, fixed words.
    #[inline(never)]
    pub fn tag(&mut self, markup: &'static str) -> &mut Self {
        self.0.push_str(markup);
        self
    }

    /// Text from the snapshot (or computed from it), escaped for text and quoted attributes.
    #[inline(never)]
    pub fn text(&mut self, s: &str) -> &mut Self {
        for c in s.chars() {
            match c {
                '&' => self.0.push_str("&amp;"),
                '<' => self.0.push_str("&lt;"),
                '>' => self.0.push_str("&gt;"),
                '"' => self.0.push_str("&quot;"),
                '\'' => self.0.push_str("&#39;"),
                c => self.0.push(c),
            }
        }
        self
    }

    /// A count with thousands separators (`1,008,411`).
    #[inline(never)]
    pub fn num(&mut self, n: u64) -> &mut Self {
        self.0.push_str(&crate::format::thousands(n));
        self
    }

    /// A plain integer (ids, ports, data attributes).
    #[inline(never)]
    pub fn int(&mut self, n: u64) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.0, "{n}");
        self
    }

    /// A coordinate or measure in SVG: one decimal (`12.0`, `0.5`), finer than a pixel.
    #[inline(never)]
    pub fn float(&mut self, x: f64) -> &mut Self {
        self.0.push_str(&crate::format::fixed(x, 1));
        self
    }

    /// `<td class="num">1,234</td>`.
    pub fn num_cell(&mut self, n: u64) -> &mut Self {
        self.tag("<td class=\"num\">").num(n).tag("</td>")
    }

    /// `<td>TEXT</td>`, escaped.
    pub fn cell(&mut self, s: &str) -> &mut Self {
        self.tag("<td>").text(s).tag("</td>")
    }

    /// The text so far (tests).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// One raw node for Yew.
    pub fn html(self) -> Html {
        Html::from_html_unchecked(AttrValue::from(self.0))
    }
}

/// Fixed markup (a literal in this crate) as one raw node: the static parts of the views.
pub fn literal(markup: &'static str) -> Html {
    Html::from_html_unchecked(AttrValue::Static(markup))
}

/// The value of `attr` on the element a click inside markup came from (or its nearest ancestor
/// carrying it): how one handler on a markup table's wrapper tells its buttons apart.
pub fn clicked_attr(e: &yew::MouseEvent, attr: &str) -> Option<String> {
    use yew::TargetCast;
    let target = e.target_dyn_into::<web_sys::Element>()?;
    target.closest(&format!("[{attr}]")).ok()??.get_attribute(attr)
}

#[cfg(test)]
mod tests {
    use super::Markup;

    #[test]
    fn text_is_escaped_and_tags_are_not() {
        let mut m = Markup::new();
        m.tag("<td title=\"").text("a\"b").tag("\">").text("<script>alert('x')</script> & co").tag("</td>");
        assert_eq!(
            m.as_str(),
            "<td title=\"a&quot;b\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</td>"
        );
    }

    #[test]
    fn numbers() {
        let mut m = Markup::new();
        m.num_cell(1_008_411).int(8080).cell("é");
        assert_eq!(m.as_str(), "<td class=\"num\">1,008,411</td>8080<td>é</td>");
    }
}
