//! Function components, one per file.
pub mod bar_chart;
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
pub mod share_panel;
pub mod sockets;
pub mod sysctl_table;
pub mod tab_bar;
pub mod time_wait;
pub mod viewer;
