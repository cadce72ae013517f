//! Notifiers: how the user hears about trouble.
