//! The sysctls that explain TIME_WAIT, each with one line on what it does.
use yew::Html;

use crate::markup::Markup;

/// The sysctls that explain TIME_WAIT, each with one line on what it does (read-only: markup).
pub fn sysctl_table(sysctls: &[procsnap_core::proc::sysctl::Sysctl]) -> Html {
    let mut m = Markup::new();
    m.tag("<h2>Settings (sysctls)</h2><div class=\"table-wrap\"><table class=\"data\" id=\"sysctls\"><thead><tr>");
    m.tag("<th>Name</th><th>Value</th><th>What it does</th></tr></thead><tbody>");
    for s in sysctls {
        m.tag("<tr><td class=\"mono\">").text(&s.name).tag("</td><td class=\"mono\">").text(&s.value);
        m.tag("</td>").cell(&s.meaning).tag("</tr>");
    }
    m.tag("</tbody></table></div>");
    m.html()
}
