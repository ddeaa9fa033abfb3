//! Permission classes declared in their own crate (see the cross-crate tests).
