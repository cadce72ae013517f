//! The media pipeline: what is fetched from the source is made fit for the target.
