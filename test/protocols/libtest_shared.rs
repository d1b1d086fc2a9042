// libtest_shared.rs - a Rust libtest binary whose tests share their
// process: b_second needs a_first to have run before it, in the same
// process.  One process per test fails it; isolation = binary passes it.
// c_crash and d_hang abort or hang on request (LIBTEST_SHARED_CRASH,
// LIBTEST_SHARED_HANG), so e_after can be seen to go on in a new process.
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

#[test]
fn a_first() {
    assert_eq!(COUNTER.fetch_add(1, Ordering::SeqCst) + 1, 1);
}

#[test]
fn b_second() {
    assert_eq!(
        COUNTER.fetch_add(1, Ordering::SeqCst) + 1,
        2,
        "a_first did not run in this process"
    );
}

#[test]
fn c_crash() {
    if std::env::var_os("LIBTEST_SHARED_CRASH").is_some() {
        std::process::abort();
    }
}

#[test]
fn d_hang() {
    if std::env::var_os("LIBTEST_SHARED_HANG").is_some() {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}

#[test]
#[ignore = "not today"]
fn d_ignored() {}

#[test]
fn e_after() {
    println!("the last case ran");
}
