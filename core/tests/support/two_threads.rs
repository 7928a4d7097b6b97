//! The fork the CLI lends core (collector/src/threads.rs), for core's own tests and examples,
//! which cannot depend on the CLI crate: the second piece of work on a scoped thread.

#[derive(Debug)]
pub struct TwoThreads;

impl procsnap_core::types::Fork for TwoThreads {
    fn both(&self, first: &mut (dyn FnMut() + Send), second: &mut (dyn FnMut() + Send)) {
        std::thread::scope(|s| {
            s.spawn(second);
            first();
        });
    }
}
