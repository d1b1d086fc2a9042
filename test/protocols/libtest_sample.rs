// libtest_sample.rs - a real Rust libtest binary for testrig's protocol
// tests (built with `rustc --test` when rustc is present).
#[test]
fn adds() {
    assert_eq!(2 + 2, 4);
}

#[test]
fn fails() {
    assert_eq!(2 + 2, 5, "arithmetic is broken");
}

#[test]
#[ignore]
fn slow_and_ignored() {
    assert!(true);
}

#[test]
#[ignore]
fn ignored_and_failing() {
    panic!("this one fails when run");
}

mod nested {
    #[test]
    fn inner_passes() {}

    #[test]
    #[should_panic]
    fn panics_as_expected() {
        panic!("expected");
    }
}
