//! Entry point of the decoding web worker (built by Trunk as `worker.js`).
use procsnap_viewer::agent::Decoder;
use yew_agent::Registrable;

fn main() {
    Decoder::registrar().register();
}
