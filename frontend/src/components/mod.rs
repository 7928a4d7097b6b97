//! The views, one per file: Yew function components where a view keeps state of its own, plain
//! functions returning `Html` otherwise (every component type costs the download about a
//! kilobyte: docs/viewer.md, "Download size").
pub mod bar_chart;
pub mod compare;
pub mod copy_button;
pub mod error_panel;
pub mod files;
pub mod histogram;
pub mod keys_help;
pub mod listeners;
pub mod namespaces;
pub mod open_panel;
pub mod overview;
pub mod progress_panel;
pub mod replay;
pub mod share_panel;
pub mod sockets;
pub mod sysctl_table;
pub mod tab_bar;
pub mod time_wait;
pub mod viewer;

/// The file a file input's `change` event picked, if any; the input is cleared, so that picking
/// the same file again fires `change` again.
pub fn take_picked_file(e: &yew::Event) -> Option<web_sys::File> {
    use yew::TargetCast;
    let input: web_sys::HtmlInputElement = e.target_unchecked_into();
    let file = input.files().and_then(|l| l.get(0));
    input.set_value("");
    file
}
