//! Entry point of the page (built by Trunk as `app.js`).
fn main() {
    yew::Renderer::<procsnap_viewer::app::App>::new().render();
}
