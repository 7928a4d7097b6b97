//! The sysctls that explain TIME_WAIT, each with one line on what it does.
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SysctlTableProps {
    pub tw_sysctls: Vec<procsnap_core::proc::sysctl::Sysctl>,
}

/// The sysctls that explain TIME_WAIT, each with one line on what it does.
#[component]
pub fn SysctlTable(props: &SysctlTableProps) -> Html {
    html! {
        <>
            <h2>{"Settings (sysctls)"}</h2>
            <div class="table-wrap"><table class="data" id="sysctls">
                <thead><tr><th>{"Name"}</th><th>{"Value"}</th><th>{"What it does"}</th></tr></thead>
                <tbody>{ for props.tw_sysctls.iter().map(|s| html!{
                    <tr><td class="mono">{&s.name}</td><td class="mono">{&s.value}</td><td>{&s.meaning}</td></tr>
                }) }</tbody>
            </table></div>
        </>
    }
}
