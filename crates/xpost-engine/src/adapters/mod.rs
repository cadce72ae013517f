//! The only place where a platform client's ids, errors and times become core's.
